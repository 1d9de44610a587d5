using System.Text.RegularExpressions;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Invalidation;

namespace Jamdeploy.Cli.Hosting;

/// <summary>The <c>Cdn</c> configuration section: which CDN sits in front of the site and how it is told to forget.</summary>
public sealed partial record CdnSettings
{
    /// <summary><c>none</c> (default), <c>cloudfront</c>, or <c>edge</c> (only the serve origins are purged).</summary>
    public string Provider { get; set; } = "none";

    /// <summary>
    /// Base URLs of every <c>jamdeploy serve</c> replica (not the load balancer before them). With <c>edge</c>
    /// they are purged; with <c>cloudfront</c> they are purged first, so CloudFront never re-caches an old file.
    /// </summary>
    public IReadOnlyList<string> Origins { get; set; } = [];

    /// <summary>The origins, checked: each an absolute http(s) URL.</summary>
    public IReadOnlyList<Uri> ResolveOrigins() =>
        [.. Origins.Select(o => HttpUrl.TryParse(o.EndsWith('/') ? o : o + "/", out var uri)
            ? uri
            : throw new UsageException($"Cdn:Origins entry '{o}' is not an http(s) URL of a jamdeploy serve origin"))];

    /// <summary>The CloudFront distribution id (required with <c>cloudfront</c>).</summary>
    public string? DistributionId { get; set; }

    /// <summary>
    /// The CloudFront API endpoint; when unset, <c>AWS_ENDPOINT_URL_CLOUDFRONT</c>, then <c>AWS_ENDPOINT_URL</c>
    /// (the AWS SDKs' convention), then https://cloudfront.amazonaws.com.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <inheritdoc cref="InvalidationOptions.MaxPaths"/>
    public int MaxPaths { get; set; } = new InvalidationOptions().MaxPaths;

    /// <inheritdoc cref="InvalidationOptions.MinPathsForDirectoryWildcard"/>
    public int MinPathsForDirectoryWildcard { get; set; } = new InvalidationOptions().MinPathsForDirectoryWildcard;

    /// <summary>How long <c>--wait</c> waits for CloudFront to report an invalidation completed.</summary>
    public TimeSpan WaitTimeout { get; set; } = CloudFrontDefaults.WaitTimeout;

    /// <summary>How often <c>--wait</c> asks.</summary>
    public TimeSpan PollInterval { get; set; } = CloudFrontDefaults.PollInterval;

    /// <summary>Retries after throttling, too many invalidations in progress, 5xx and dropped connections.</summary>
    public int MaxRetries { get; set; } = CloudFrontDefaults.MaxRetries;

    /// <summary>The first retry delay; it doubles, with jitter, per attempt.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = CloudFrontDefaults.RetryBaseDelay;

    // The CloudFront client's options own these defaults; this section only lets them be changed.
    private static readonly CloudFrontOptions CloudFrontDefaults = new() { DistributionId = "" };

    /// <summary>Serverless CloudFront's edge pointer (<c>Cdn:KeyValueStore</c>); independent of <see cref="Provider"/>.</summary>
    public KeyValueStoreSettings KeyValueStore { get; set; } = new();

    public InvalidationOptions InvalidationOptions => new() { MaxPaths = MaxPaths, MinPathsForDirectoryWildcard = MinPathsForDirectoryWildcard };

    public void Validate()
    {
        if (MaxPaths < 1) throw new UsageException($"Cdn:MaxPaths must be at least 1 (got {MaxPaths})");
        if (MinPathsForDirectoryWildcard < 2) throw new UsageException($"Cdn:MinPathsForDirectoryWildcard must be at least 2 (got {MinPathsForDirectoryWildcard})");
        if (MaxRetries is < 1 or > 50) throw new UsageException($"Cdn:MaxRetries must be between 1 and 50 (got {MaxRetries})");
        if (WaitTimeout <= TimeSpan.Zero) throw new UsageException("Cdn:WaitTimeout must be positive");
        if (PollInterval <= TimeSpan.Zero) throw new UsageException("Cdn:PollInterval must be positive");
        if (RetryBaseDelay <= TimeSpan.Zero) throw new UsageException("Cdn:RetryBaseDelay must be positive");
    }

    /// <summary>The distribution id, checked: CloudFront ids are upper-case letters and digits.</summary>
    public string RequireDistributionId() =>
        string.IsNullOrWhiteSpace(DistributionId)
            ? throw new UsageException("Cdn:DistributionId is required when Cdn:Provider is cloudfront (for example E2QWRUHAPOMQZL)")
            : DistributionIdPattern().IsMatch(DistributionId.Trim()) ? DistributionId.Trim()
            : throw new UsageException($"Cdn:DistributionId '{DistributionId}' is not a CloudFront distribution id (upper-case letters and digits, like E2QWRUHAPOMQZL)");

    /// <summary>The endpoint to call, checked.</summary>
    public Uri ResolveEndpoint(Func<string, string?> environment)
    {
        var text = new[] { Endpoint, environment("AWS_ENDPOINT_URL_CLOUDFRONT"), environment("AWS_ENDPOINT_URL") }
            .FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));
        if (string.IsNullOrWhiteSpace(text)) return CloudFrontOptions.DefaultEndpoint;
        return HttpUrl.TryParse(text.Trim(), out var uri)
            ? uri
            : throw new UsageException($"Cdn:Endpoint '{text}' is not an http(s) URL");
    }

    [GeneratedRegex("^[A-Z0-9]{1,64}$")]
    private static partial Regex DistributionIdPattern();
}
