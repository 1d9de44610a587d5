using System.Text.Json.Serialization;

namespace Jamdeploy.Deploying;

/// <summary>Settings of the deploy pipeline, bound from the <c>Deploy</c> configuration section.</summary>
public sealed record DeployOptions
{
    /// <summary>Files no site means to publish: editor swap files and the folder metadata of macOS and Windows.</summary>
    public static IReadOnlyList<string> DefaultIgnore { get; } = [".DS_Store", "Thumbs.db", "*.swp"];

    /// <summary>
    /// Glob patterns of files never deployed, added to <see cref="DefaultIgnore"/> (besides .git and .jamdeploy).
    /// The defaults are not in this list because configuration merges lists item by item: a user's first
    /// pattern would silently replace the first default.
    /// </summary>
    public IReadOnlyList<string> Ignore { get; set; } = [];

    /// <summary>Whether <see cref="DefaultIgnore"/> applies besides <see cref="Ignore"/>; false deploys a .DS_Store if the folder has one.</summary>
    public bool IgnoreDefaults { get; set; } = true;

    /// <summary>What the deploy skips: the defaults (unless turned off), then the configured patterns.</summary>
    public IReadOnlyList<string> IgnorePatterns => IgnoreDefaults ? [.. DefaultIgnore, .. Ignore] : Ignore;

    /// <summary>
    /// Blobs uploaded at once. Unset (the default), the deploy adapts it: it starts at
    /// <see cref="Deploying.UploadConcurrency.Initial"/> and doubles, up to <see cref="Deploying.UploadConcurrency.Max"/>, while
    /// throughput grows (see <see cref="Deploying.UploadConcurrency"/>). Set, it is that number throughout.
    /// </summary>
    public int? UploadConcurrency { get; set; }

    /// <summary>Blob lookups (HEAD) at once: the upload concurrency when set, else where the adaptive one starts.</summary>
    [JsonIgnore]
    public int LookupConcurrency => UploadConcurrency ?? Deploying.UploadConcurrency.Initial;

    /// <summary>Pointer moves remembered for rollback.</summary>
    public int HistoryLimit { get; set; } = Releases.LivePointer.DefaultHistoryLimit;

    /// <summary>
    /// Cleanup's: an unreferenced blob older than half of it, seen by a HEAD or a listing, is sent again rather than
    /// reused, as a cleanup may be about to delete it (the deploy would find out at its flip and send it then, later).
    /// A small change's blobs are not looked up but sent with a conditional write: one the store refuses as present
    /// is trusted whatever its age, and a cleanup that took it meanwhile is caught at the flip (DeletionWatch).
    /// </summary>
    /// <remarks>Not a <c>Deploy</c> setting (hence not part of the settings document): the CLI sets it from <c>Cleanup:GracePeriod</c>.</remarks>
    [JsonIgnore]
    public TimeSpan GracePeriod { get; set; } = Cleanup.RetentionRules.DefaultGracePeriod;

    /// <summary>The longest site path the edges serve: a longer one is refused rather than deployed unreachable.</summary>
    /// <remarks>Not a <c>Deploy</c> setting: the CLI sets it from <c>Serve:MaxPathLength</c>, the limit serve enforces.</remarks>
    [JsonIgnore]
    public int MaxPathLength { get; set; } = Model.SitePaths.DefaultMaxLength;

    /// <summary>Wait for the CDN to report the invalidation completed.</summary>
    public bool WaitForInvalidation { get; set; }

    /// <summary>Brotli and gzip forms of compressible files, stored beside them for the edges to send.</summary>
    public Precompression.PrecompressOptions Precompress { get; set; } = new();

    public void Validate()
    {
        if (UploadConcurrency is < 1 or > Deploying.UploadConcurrency.MaxSetting) throw new UsageException($"Deploy:UploadConcurrency must be between 1 and {Deploying.UploadConcurrency.MaxSetting} (got {UploadConcurrency})");
        if (HistoryLimit is < 2 or > 10_000) throw new UsageException($"Deploy:HistoryLimit must be between 2 and 10000 (got {HistoryLimit})");
        if (GracePeriod < TimeSpan.Zero) throw new UsageException("Cleanup:GracePeriod must not be negative");
        Precompress.Validate();
    }
}
