using Jamdeploy.Storage;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Hosting;

/// <summary>Opens the store a location names: a directory (the embedded default) or, later, <c>s3://bucket/prefix</c>.</summary>
public static class StoreFactory
{
    public const string DefaultLocation = ".jamdeploy/store";

    public static IObjectStore Open(string location, IConfiguration configuration, string workingDirectory)
    {
        if (location.Contains("://", StringComparison.Ordinal))
            throw new UsageException($"store '{location}' is not supported; use a directory path");
        return new LocalDirectoryStore(Path.GetFullPath(location, workingDirectory));
    }
}
