namespace Jamdeploy.Aws.CloudFront;

/// <summary>How jamdeploy talks to one CloudFront distribution. Defaults suit the real service.</summary>
public sealed record CloudFrontOptions
{
    public static readonly Uri DefaultEndpoint = new("https://cloudfront.amazonaws.com");

    /// <summary>The distribution in front of the site, e.g. <c>E2QWRUHAPOMQZL</c>.</summary>
    public required string DistributionId { get; init; }

    /// <summary>The API endpoint; only tests (moto) and unusual partitions change it.</summary>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>CloudFront is global: requests are always signed for us-east-1.</summary>
    public string SigningRegion { get; init; } = "us-east-1";

    /// <summary>How long <c>--wait</c> waits for an invalidation to complete (CloudFront usually needs 1–5 minutes).</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after throttling, TooManyInvalidationsInProgress, 5xx and dropped connections.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>First retry delay; it doubles per attempt, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>One HTTP attempt's limit; a hung connection counts as a transient fault.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
