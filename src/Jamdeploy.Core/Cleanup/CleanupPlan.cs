using Jamdeploy.Model;

namespace Jamdeploy.Cleanup;

/// <summary>
/// What cleanup would delete now: the releases retention lets go (oldest first), then the blobs that
/// no kept release references and that are older than the grace period. A dry run shows this; a real
/// run re-checks it step by step before each deletion.
/// </summary>
public sealed record CleanupPlan(
    DateTimeOffset At,
    RetentionRules Rules,
    ReleaseId? Live,
    IReadOnlyList<RetentionDecision> Releases,
    IReadOnlyList<ReleaseToDelete> ReleasesToDelete,
    IReadOnlyList<BlobToDelete> BlobsToDelete,
    int BlobsSparedByGrace)
{
    /// <summary>Temp files of writes killed long ago (<see cref="Storage.IAbandonedWrites"/>): not objects, removed besides them.</summary>
    public IReadOnlyList<Storage.AbandonedWrite> AbandonedWrites { get; init; } = [];

    public IEnumerable<RetentionDecision> Kept => Releases.Where(r => r.Keep);

    public int ObjectCount => ReleasesToDelete.Count + BlobsToDelete.Count;

    public long Bytes => ReleasesToDelete.Sum(r => r.ManifestBytes) + BlobsToDelete.Sum(b => b.Size);
}

public sealed record ReleaseToDelete(ReleaseId Id, DateTimeOffset Created, long ManifestBytes);

public sealed record BlobToDelete(ContentHash Hash, long Size, DateTimeOffset LastModified);

/// <summary>What a cleanup run did. <see cref="StoppedAtLimit"/> says it left work for the next run on purpose.</summary>
public sealed record CleanupResult(
    CleanupPlan Plan,
    int ReleasesDeleted,
    int BlobsDeleted,
    long BytesFreed,
    int? MaxDelete,
    bool StoppedAtLimit,
    int ReleasesRemaining,
    int BlobsRemaining)
{
    public int ObjectsDeleted => ReleasesDeleted + BlobsDeleted;

    /// <summary>The abandoned temp files removed (none when the store has none, or is S3).</summary>
    public IReadOnlyList<Storage.AbandonedWrite> AbandonedWritesRemoved { get; init; } = [];
}

public enum CleanupStage { Releases, Blobs }

/// <summary>Reported after every delete batch.</summary>
public sealed record CleanupProgress(CleanupStage Stage, int Deleted, int Total);
