using Jamdeploy.Aws.CloudFront;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// The <c>Cdn:KeyValueStore</c> section: the CloudFront KeyValueStore key that carries the live release to the
/// viewer-request function (serverless CloudFront). Setting <see cref="Arn"/> turns the projection on; every
/// flip then writes the key after <c>live.json</c>. Independent of <c>Cdn:Provider</c> (serverless mode uses
/// <c>none</c>: release-scoped cache keys need no invalidation).
/// </summary>
public sealed record KeyValueStoreSettings
{
    public const string Section = "Cdn:KeyValueStore";

    /// <summary><c>arn:aws:cloudfront::&lt;account&gt;:key-value-store/&lt;id&gt;</c>; unset means no edge pointer.</summary>
    public string? Arn { get; set; }

    /// <summary>The key the viewer function reads; the CloudFormation template sets <c>&lt;SiteName&gt;:live</c>.</summary>
    public string Key { get; set; } = "live";

    /// <summary>The data API's URL, used as given (tests, emulators); by default the account's global endpoint.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Retries after throttling, 5xx, dropped connections and unanswered requests; 0 for none.</summary>
    public int MaxRetries { get; set; } = Defaults.MaxRetries;

    /// <summary>The first retry delay; it doubles, with jitter, per attempt.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = Defaults.RetryBaseDelay;

    // The KeyValueStore client's options own these defaults; this section only lets them be changed.
    private static readonly KeyValueStoreOptions Defaults = new() { Arn = "" };

    public bool Enabled => !string.IsNullOrWhiteSpace(Arn);

    public void Validate()
    {
        if (!Enabled) return;
        if (!KeyValueStoreOptions.IsValidArn(Arn!.Trim()))
            throw new UsageException($"{Section}:Arn '{Arn}' is not a CloudFront KeyValueStore ARN (arn:aws:cloudfront::<12-digit account>:key-value-store/<id>)");
        if (string.IsNullOrWhiteSpace(Key) || System.Text.Encoding.UTF8.GetByteCount(Key) > 512)
            throw new UsageException($"{Section}:Key must be 1 to 512 bytes (got '{Key}')");
        if (Endpoint is not null && !HttpUrl.TryParse(Endpoint.Trim(), out _))
            throw new UsageException($"{Section}:Endpoint '{Endpoint}' is not an http(s) URL");
        if (MaxRetries is < 0 or > 20) throw new UsageException($"{Section}:MaxRetries must be between 0 and 20 (got {MaxRetries})");
        if (RetryBaseDelay <= TimeSpan.Zero) throw new UsageException($"{Section}:RetryBaseDelay must be positive");
    }

    public KeyValueStoreOptions ToOptions() => new()
    {
        Arn = Arn!.Trim(),
        Endpoint = Endpoint is null ? null : new Uri(Endpoint.Trim()),
        MaxRetries = MaxRetries,
        RetryBaseDelay = RetryBaseDelay,
    };
}
