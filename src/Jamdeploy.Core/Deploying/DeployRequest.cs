using Jamdeploy.Invalidation;
using Jamdeploy.Model;
using Jamdeploy.Planning;

namespace Jamdeploy.Deploying;

public sealed record DeployRequest(string Folder)
{
    /// <summary>The folder a relative <see cref="Folder"/> is relative to; null is the process's current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The absolute path of <see cref="Folder"/>: what is scanned and what the manifest records as its source.</summary>
    public string FullFolder => Path.GetFullPath(Folder, WorkingDirectory ?? Directory.GetCurrentDirectory());

    public string? Message { get; init; }
    public string? Commit { get; init; }

    /// <summary>False stores the release without making it live (for previews and a later promote).</summary>
    public bool Promote { get; init; } = true;
    public bool DryRun { get; init; }

    /// <summary>Flip even when the live release changed since this deploy read it.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Look up every blob of the release, those the live release has too, and send again any the store lacks
    /// (also when the folder is the live release: that repairs it). Costs a listing of the blobs or a HEAD
    /// each, whichever is fewer requests.
    /// </summary>
    public bool Verify { get; init; }

    /// <summary>jamdeploy.json's <c>Site:Headers</c>: applied after the folder's <c>_headers</c>.</summary>
    public IReadOnlyList<Rules.HeaderRuleSetting> HeaderRules { get; init; } = [];

    /// <summary>jamdeploy.json's <c>Site:Redirects</c>: matched after the folder's <c>_redirects</c>.</summary>
    public IReadOnlyList<Rules.RedirectRuleSetting> RedirectRules { get; init; } = [];
}

public enum DeployOutcome
{
    /// <summary>The release is live.</summary>
    Live,
    /// <summary>Stored, not promoted (--no-promote).</summary>
    Staged,
    /// <summary>The folder matches the live release: nothing sent, nothing flipped.</summary>
    Unchanged,
    /// <summary>Planned only (--dry-run): nothing written.</summary>
    DryRun,
}

public sealed record DeployResult(DeployOutcome Outcome, ReleaseId Release, ReleaseId? PreviousLive, DeployPlan? Plan)
{
    public int Files { get; init; }
    public long TotalBytes { get; init; }
    /// <remarks>An unchanged deploy has a plan only with --verify: the blobs it sent again.</remarks>
    public int UploadedBlobs => Outcome is DeployOutcome.Live or DeployOutcome.Staged or DeployOutcome.Unchanged ? Plan?.Uploads.Count ?? 0 : 0;
    public long BytesSent => Outcome is DeployOutcome.Live or DeployOutcome.Staged or DeployOutcome.Unchanged ? Plan?.BytesToSend ?? 0 : 0;
    public int InvalidatedPaths { get; init; }
    public bool Forced { get; init; }

    /// <summary>With --dry-run: what the CDN would be told to forget if this release went live now.</summary>
    public InvalidationPlan? Invalidation { get; init; }

    /// <summary>With --dry-run: the site rules added, removed or reordered against the live release.</summary>
    public IReadOnlyList<Rules.RuleChange>? RuleChanges { get; init; }

    /// <summary>The precompressed forms made and reused (a dry run only counts those it would make).</summary>
    public PrecompressSummary Precompressed { get; init; } = PrecompressSummary.None;
}

/// <summary>
/// Precompression in one deploy: variants <see cref="Made"/> (compressed here) and <see cref="Reused"/> (from the live
/// release), of which <see cref="Sent"/> were uploaded (<see cref="BytesSent"/>); <see cref="SourceBytes"/> were compressed
/// into <see cref="CompressedBytes"/>, taking <see cref="CompressTime"/> summed over the workers (busy time, not CPU time: a loaded machine stretches it).
/// </summary>
public sealed record PrecompressSummary(int Made, int Reused, int Sent, long BytesSent, long SourceBytes, long CompressedBytes, TimeSpan CompressTime)
{
    public static PrecompressSummary None { get; } = new(0, 0, 0, 0, 0, 0, TimeSpan.Zero);
}

public enum DeployStage { Scan, Hash, Plan, Upload, Manifest, Flip, Invalidate }

/// <summary>
/// Progress of a stage: <c>Done</c> of <c>Total</c> units (bytes for hash and upload), and for hash and upload
/// <c>FilesDone</c> of <c>FilesTotal</c> (files hashed; blobs sent, one per file with content the store lacks).
/// Bytes alone mislead: an upload sends its big files first, so 95 % of the bytes can be a quarter of the files.
/// </summary>
public sealed record DeployProgress(DeployStage Stage, long Done, long Total)
{
    public int FilesDone { get; init; }
    public int FilesTotal { get; init; }
}
