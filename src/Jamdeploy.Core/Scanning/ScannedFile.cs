namespace Jamdeploy.Scanning;

/// <summary>A regular file found under the deploy folder, by the URL path it will be served at.</summary>
public sealed record ScannedFile(string SitePath, string FullPath, long Length);
