namespace Jamdeploy.Deploying;

/// <summary>Settings of the deploy pipeline, bound from the <c>Deploy</c> configuration section.</summary>
public sealed record DeployOptions
{
    /// <summary>Glob patterns of files never deployed (besides .git and .jamdeploy).</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    /// <summary>Blobs uploaded at once. Measured: see scripts/bench.sh.</summary>
    public int UploadConcurrency { get; init; } = 16;

    /// <summary>Pointer moves remembered for rollback.</summary>
    public int HistoryLimit { get; init; } = Releases.LivePointer.DefaultHistoryLimit;

    /// <summary>Must equal cleanup's: a stored blob older than this may be deleted by a cleanup, so it is not trusted.</summary>
    public TimeSpan GracePeriod { get; init; } = Cleanup.RetentionRules.DefaultGracePeriod;

    /// <summary>Wait for the CDN to report the invalidation completed.</summary>
    public bool WaitForInvalidation { get; init; }

    public void Validate()
    {
        if (UploadConcurrency is < 1 or > 256) throw new UsageException($"Deploy:UploadConcurrency must be between 1 and 256 (got {UploadConcurrency})");
        if (HistoryLimit is < 2 or > 10_000) throw new UsageException($"Deploy:HistoryLimit must be between 2 and 10000 (got {HistoryLimit})");
        if (GracePeriod < TimeSpan.Zero) throw new UsageException("Cleanup:GracePeriod must not be negative");
    }
}
