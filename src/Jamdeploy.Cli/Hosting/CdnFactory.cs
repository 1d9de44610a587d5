using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Cdn;
using Jamdeploy.Edge;
using Jamdeploy.Invalidation;
using Jamdeploy.Releases;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Jamdeploy.Cli.Hosting;

/// <summary>The CDN the configuration names (<c>Cdn:Provider</c>); none by default. Checks its settings before anything is touched.</summary>
public static class CdnFactory
{
    /// <summary>The <c>Cdn</c> section, bound once per invocation; <see cref="Create"/> and <see cref="EdgePointer"/> take it.</summary>
    public static CdnSettings Settings(IConfiguration configuration) => ConfigurationLoader.Bind(configuration, "Cdn", s => s.Get<CdnSettings>());

    public static (ICdnInvalidator Cdn, InvalidationOptions Options) Create(CdnSettings settings, IConfiguration configuration, CliHost host, ILogger log, TimeProvider time)
    {
        settings.Validate();
        var origins = settings.ResolveOrigins();
        ICdnInvalidator cdn = settings.Provider.Trim().ToLowerInvariant() switch
        {
            "none" or "" => new NoCdn(),
            "cloudfront" when origins.Count > 0 => new OriginsFirstInvalidator(EdgePurge(origins, configuration), CloudFront(settings, host, log, time)),
            "cloudfront" => CloudFront(settings, host, log, time),
            "edge" when origins.Count == 0 => throw new UsageException("Cdn:Provider edge needs Cdn:Origins: the URL of every jamdeploy serve replica"),
            "edge" => EdgePurge(origins, configuration),
            _ => throw new UsageException($"Cdn:Provider '{settings.Provider}' is not known; use none, cloudfront or edge"),
        };
        return (cdn, settings.InvalidationOptions);
    }

    /// <summary>The edge pointer (<c>Cdn:KeyValueStore</c>), or null when none is configured. Checked before anything is touched.</summary>
    public static EdgePointerSync? EdgePointer(KeyValueStoreSettings settings, ReleaseStore releases, ILogger log, TimeProvider time)
    {
        settings.Validate();
        if (!settings.Enabled) return null;
        var client = KeyValueStoreClient.Create(settings.ToOptions(), new AwsDefaultCredentialsSource(), time, log);
        return new EdgePointerSync(new KeyValueStoreEdgePointer(client, settings.Key), releases, log);
    }

    private static LocalEdgePurge EdgePurge(IReadOnlyList<Uri> origins, IConfiguration configuration) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, origins, configuration[$"{nameof(JamdeploySettings.Serve)}:{nameof(ServeOptions.PurgeToken)}"] ?? "");

    private static CloudFrontInvalidator CloudFront(CdnSettings settings, CliHost host, ILogger log, TimeProvider time)
    {
        var options = new CloudFrontOptions
        {
            DistributionId = settings.RequireDistributionId(),
            Endpoint = settings.ResolveEndpoint(host.Variable),
            WaitTimeout = settings.WaitTimeout,
            PollInterval = settings.PollInterval,
            MaxRetries = settings.MaxRetries,
            RetryBaseDelay = settings.RetryBaseDelay,
        };
        // One client per invocation: the process is short-lived, its connections close with it.
        var client = CloudFrontClient.Create(options, new AwsDefaultCredentialsSource(), time);
        return new CloudFrontInvalidator(client, options, log, time);
    }
}
