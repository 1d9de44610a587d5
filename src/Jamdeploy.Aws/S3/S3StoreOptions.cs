namespace Jamdeploy.Aws.S3;

/// <summary>
/// How to reach a site in S3 or an S3-compatible service, and how hard to push it. Credentials are not
/// here: they come from the AWS SDK's default chain (environment, shared files, SSO, instance roles), or
/// from the named <see cref="Profile"/>, so no secret ever sits in jamdeploy's configuration.
/// </summary>
public sealed record S3StoreOptions
{
    public const long MiB = 1L << 20;

    /// <summary>S3 refuses parts smaller than this, except the last one.</summary>
    public const long MinimumPartSize = 5 * MiB;

    /// <summary>S3 refuses an upload of more parts than this.</summary>
    public const int MaximumPartCount = 10_000;

    /// <summary>ListObjectsV2 never returns more keys than this per page.</summary>
    public const int MaximumListPageSize = 1000;

    /// <summary>DeleteObjects takes at most this many keys per request.</summary>
    public const int DeleteBatchSize = 1000;

    public required S3Location Location { get; init; }

    /// <summary>The bucket's region; null takes the SDK's (AWS_REGION, the profile), or us-east-1 for a custom endpoint.</summary>
    public string? Region { get; init; }

    /// <summary>An S3-compatible service's URL (MinIO, R2, moto); null takes AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS.</summary>
    public string? EndpointUrl { get; init; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>); null means on for a custom endpoint, off for AWS.</summary>
    public bool? ForcePathStyle { get; init; }

    /// <summary>A profile in the shared AWS config files; null lets the SDK's default chain decide (AWS_PROFILE included).</summary>
    public string? Profile { get; init; }

    /// <summary>Objects of at least this many bytes go up in parts.</summary>
    public long MultipartThreshold { get; init; } = 64 * MiB;

    /// <summary>The size of each part of a multipart upload (grown when a file would need too many parts).</summary>
    public long PartSize { get; init; } = 16 * MiB;

    /// <summary>
    /// Requests of this store in flight at once, whatever the caller's own parallelism, and the size of the connection pool.
    /// S3 itself takes hundreds at once; the default leaves room for a deploy's adaptive upload concurrency to reach its
    /// most (<c>Deploy:UploadConcurrency</c>, 128), so the pool never holds it back.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 128;

    /// <summary>Parts of one multipart upload in flight at once: memory is this times <see cref="PartSize"/>.</summary>
    public int PartParallelism { get; init; } = 4;

    /// <summary>Retries after the first attempt of a request that failed transiently.</summary>
    public int MaxRetryAttempts { get; init; } = 5;

    /// <summary>The first retry's delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one attempt of a small request may take before it counts as stalled.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An attempt that sends or reads a body also gets one second per this many bytes.</summary>
    public long MinimumBytesPerSecond { get; init; } = 256 * 1024;

    /// <summary>Keys per ListObjectsV2 page.</summary>
    public int ListPageSize { get; init; } = MaximumListPageSize;

    /// <summary>Throws a usage error naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (PartSize < MinimumPartSize)
            throw new UsageException($"the S3 part size must be at least {MinimumPartSize / MiB} MiB (got {PartSize} bytes)");
        if (MultipartThreshold < PartSize)
            throw new UsageException($"the S3 multipart threshold ({MultipartThreshold} bytes) must be at least the part size ({PartSize} bytes)");
        if (MaxConcurrentRequests < 1 || PartParallelism < 1)
            throw new UsageException("the S3 request and part parallelism must each be at least 1");
        if (MaxRetryAttempts < 0)
            throw new UsageException("the S3 retry count cannot be negative");
        if (RequestTimeout <= TimeSpan.Zero || MinimumBytesPerSecond < 1)
            throw new UsageException("the S3 request timeout and minimum throughput must be positive");
        if (ListPageSize is < 1 or > MaximumListPageSize)
            throw new UsageException($"the S3 list page size must be between 1 and {MaximumListPageSize}");
        if (EndpointUrl is not null && !Uri.TryCreate(EndpointUrl, UriKind.Absolute, out _))
            throw new UsageException($"the S3 endpoint URL '{EndpointUrl}' is not an absolute URL");
    }

    /// <summary>The part size for an object: the configured one, grown so no upload needs more than 10,000 parts.</summary>
    public long PartSizeFor(long length) => Math.Max(PartSize, (length + MaximumPartCount - 1) / MaximumPartCount);
}
