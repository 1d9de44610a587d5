using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Jamdeploy.Cli.Hosting;

/// <summary>Opens the store a location names: a directory (the embedded default) or <c>s3://bucket/prefix</c>.</summary>
public static class StoreFactory
{
    public const string DefaultLocation = ".jamdeploy/store";

    public static IObjectStore Open(string location, IConfiguration configuration, string workingDirectory, ILogger? log = null)
    {
        if (S3Location.IsS3Url(location))
        {
            var settings = ConfigurationLoader.Bind<S3StoreSettings>(configuration, S3StoreSettings.Section);
            return S3ObjectStore.Create(settings.ToOptions(S3Location.Parse(location)), log);
        }
        if (location.Contains("://", StringComparison.Ordinal))
            throw new UsageException($"store '{location}' is not supported; use a directory path or s3://bucket/prefix");
        return new LocalDirectoryStore(Path.GetFullPath(location, workingDirectory));
    }
}
