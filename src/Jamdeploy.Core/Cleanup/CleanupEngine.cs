using System.Collections.Concurrent;
using System.Collections.Frozen;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Cleanup;

/// <summary>
/// Deletes what no kept release can reach (DESIGN.md invariant 4), in the one order that survives a crash
/// at any point: release manifests first, then blobs that no manifest still in the store references and that
/// are older than the grace period, all under the store lease so that deploys, promotes and rollbacks running
/// alongside find out (ReleaseLease, DeletionWatch). A run cut short leaves unreferenced blobs behind, never
/// a kept release without a blob; the next run deletes them.
/// </summary>
public sealed class CleanupEngine(IObjectStore store, TimeProvider clock, ILogger? log = null)
{
    /// <summary>S3's DeleteObjects takes at most 1,000 keys.</summary>
    public const int MaxKeysPerDelete = 1000;

    private const int ManifestReadParallelism = 16;

    /// <summary>
    /// How long a temp file must be untouched to be a write that was killed: a write in progress touches its
    /// file with every buffer and renames it within seconds of the last.
    /// </summary>
    public static readonly TimeSpan AbandonedWriteAge = TimeSpan.FromHours(1);

    private readonly ILogger _log = (log ?? Serilog.Core.Logger.None).ForContext<CleanupEngine>();
    private readonly ReleaseStore _documents = new(store);

    /// <summary>What a run would delete now; deletes nothing.</summary>
    public async Task<CleanupPlan> PlanAsync(RetentionRules rules, CancellationToken cancellationToken) =>
        (await SurveyAsync(rules.Validated(), cancellationToken)).Plan;

    /// <summary>
    /// Deletes what the plan names, re-checking before each step what may have changed since: the pointer
    /// and the pins before manifests go, the manifests in the store before blobs go.
    /// Stops after <see cref="RetentionRules.MaxDelete"/> deletions; the result says so.
    /// </summary>
    public async Task<CleanupResult> RunAsync(RetentionRules rules, IProgress<CleanupProgress>? progress, CancellationToken cancellationToken)
    {
        var survey = await SurveyAsync(rules.Validated(), cancellationToken);
        var plan = survey.Plan;
        var maxDelete = plan.Rules.MaxDelete;
        var budget = maxDelete ?? int.MaxValue;
        var tempFiles = await RemoveAbandonedWritesAsync(plan, cancellationToken);

        long bytes = 0;
        // Every deletion happens under the store lease, with this run's token written into it. From the last
        // look at the pointer and pins until the manifests left are read again, no promote, rollback or pin may
        // bring back a release about to be deleted; and until the last blob is deleted, no deploy may flip: a
        // deploy that finds the token changed since it looked checks its release is whole before it flips
        // (Releases/DeletionWatch.cs). That, not the grace period, keeps a deploy running alongside whole.
        // A run whose plan deletes nothing writes nothing, not even the lease.
        if (plan.ObjectCount == 0) return new CleanupResult(plan, 0, 0, 0, maxDelete, false, 0, 0) { AbandonedWritesRemoved = tempFiles };
        await using var lease = await ReleaseLease.AcquireAsync(store, clock, new LeaseClaim("cleanup", ReleaseLease.Wait) { ToDelete = true }, _log, cancellationToken);

        // A promote, rollback or pin since the survey may protect a release the plan lets go.
        var pointer = await ReadPointerAsync(cancellationToken);
        var pins = await _documents.ReadPinsAsync(cancellationToken);
        var stillDeletable = RetentionPolicy.Decide(survey.Releases.Values.Select(r => r.Age), pointer, pins, plan.At, plan.Rules)
            .Where(d => !d.Keep).Select(d => d.Id).ToHashSet();
        var releases = plan.ReleasesToDelete.Where(r => stillDeletable.Contains(r.Id)).ToList();

        var releaseBatch = releases.Take(budget).ToList();
        await DeleteAsync(releaseBatch.Select(r => StoreLayout.Release(r.Id)).ToList(), CleanupStage.Releases, progress, 0, lease, cancellationToken);
        _log.Information("Deleted {Count} release manifests of {Planned}", releaseBatch.Count, releases.Count);
        var releasesDeleted = releaseBatch.Count;
        bytes = releaseBatch.Sum(r => r.ManifestBytes);
        if (releasesDeleted < releases.Count)
            return Stopped(releasesDeleted, 0, releases.Count - releasesDeleted, plan.BlobsToDelete.Count);

        // Looked at after the manifests went, so that a blob referenced by any manifest the store still holds
        // (a kept one, or one a deploy wrote since the survey) is never deleted. A manifest written after this
        // look belongs to a deploy that cannot flip before the lease is given back, and then finds out.
        var blobsAsOf = clock.GetUtcNow();
        var current = await ReadReleasesAsync(survey.Releases, "cleanup deleted only release manifests so far", cancellationToken);
        budget -= releasesDeleted;

        var referenced = current.Values.SelectMany(r => r.Blobs).ToFrozenSet();
        var (blobs, _) = await ListDeletableBlobsAsync(referenced, blobsAsOf - plan.Rules.GracePeriod, cancellationToken);

        var blobBatch = blobs.Take(budget).ToList();
        await DeleteAsync(blobBatch.Select(b => StoreLayout.Blob(b.Hash)).ToList(), CleanupStage.Blobs, progress, releasesDeleted, lease, cancellationToken);
        bytes += blobBatch.Sum(b => b.Size);
        _log.Information("Deleted {Count} blobs of {Planned}", blobBatch.Count, blobs.Count);

        return blobBatch.Count < blobs.Count
            ? Stopped(releasesDeleted, blobBatch.Count, 0, blobs.Count - blobBatch.Count)
            : new CleanupResult(plan, releasesDeleted, blobBatch.Count, bytes, maxDelete, false, 0, 0) { AbandonedWritesRemoved = tempFiles };

        CleanupResult Stopped(int releasesDeleted, int blobsDeleted, int releasesLeft, int blobsLeft)
        {
            _log.Information("Cleanup stopped at the deletion limit {MaxDelete}: {ReleasesLeft} release manifests and {BlobsLeft} blobs left for the next run",
                maxDelete, releasesLeft, blobsLeft);
            return new CleanupResult(plan, releasesDeleted, blobsDeleted, bytes, maxDelete, true, releasesLeft, blobsLeft) { AbandonedWritesRemoved = tempFiles };
        }
    }

    private async Task<Survey> SurveyAsync(RetentionRules rules, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var pointer = await ReadPointerAsync(cancellationToken);
        var pins = await _documents.ReadPinsAsync(cancellationToken);
        var releases = await ReadReleasesAsync(known: null, "cleanup deleted nothing", cancellationToken);

        var decisions = RetentionPolicy.Decide(releases.Values.Select(r => r.Age), pointer, pins, now, rules);
        var toDelete = decisions.Where(d => !d.Keep)
            .Select(d => new ReleaseToDelete(d.Id, d.Created, releases[d.Id].ManifestBytes))
            .ToList();
        var referenced = decisions.Where(d => d.Keep).SelectMany(d => releases[d.Id].Blobs).ToFrozenSet();
        var (blobs, spared) = await ListDeletableBlobsAsync(referenced, now - rules.GracePeriod, cancellationToken);

        var abandoned = store is IAbandonedWrites leftovers ? await leftovers.FindAbandonedWritesAsync(now - AbandonedWriteAge, cancellationToken) : [];
        var plan = new CleanupPlan(now, rules, pointer?.Live, decisions, toDelete, blobs, spared) { AbandonedWrites = abandoned };
        _log.Information("Cleanup plan for {Location}: keep {Kept} releases, delete {Releases} releases and {Blobs} blobs ({Bytes} bytes); {Spared} unreferenced blobs are within the grace period",
            store.Location, decisions.Count(d => d.Keep), toDelete.Count, blobs.Count, plan.Bytes, spared);
        return new Survey(plan, releases);
    }

    /// <summary>Not objects, so neither under the lease nor counted against --max-delete.</summary>
    private async Task<IReadOnlyList<AbandonedWrite>> RemoveAbandonedWritesAsync(CleanupPlan plan, CancellationToken cancellationToken)
    {
        if (plan.AbandonedWrites.Count == 0 || store is not IAbandonedWrites leftovers) return [];
        var removed = await leftovers.RemoveAbandonedWritesAsync(plan.AbandonedWrites, clock.GetUtcNow() - AbandonedWriteAge, cancellationToken);
        _log.Information("Removed {Count} temp files of killed writes ({Bytes} bytes)", removed.Count, removed.Sum(w => w.Size));
        return removed;
    }

    private async Task<LivePointer?> ReadPointerAsync(CancellationToken cancellationToken) =>
        (await _documents.ReadLiveAsync(cancellationToken)).Pointer;

    /// <summary>
    /// Every release manifest in the store now. Manifests never change once written, so those in
    /// <paramref name="known"/> are not read again. One that cannot be read stops cleanup: what it
    /// references is unknown, so no blob could be deleted safely; one that names another release (copied or
    /// renamed by hand) stops it too, as every other command refuses it.
    /// </summary>
    private async Task<IReadOnlyDictionary<ReleaseId, StoredRelease>> ReadReleasesAsync(
        IReadOnlyDictionary<ReleaseId, StoredRelease>? known, string doneSoFar, CancellationToken cancellationToken)
    {
        var listed = new List<ListedRelease>();
        await foreach (var release in _documents.ListReleasesAsync(cancellationToken)) listed.Add(release);

        var releases = new ConcurrentDictionary<ReleaseId, StoredRelease>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = ManifestReadParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(listed, options, async (item, token) =>
        {
            if (known is not null && known.TryGetValue(item.Id, out var seen))
            {
                releases[item.Id] = seen;
                return;
            }
            var read = await _documents.ReadManifestAsync(item.Id, token);
            if (read.Unreadable is { } e) throw new CorruptStoreException($"{e.Message}; {doneSoFar}", e);
            // Gone since the listing: another cleanup deleted it.
            if (read.Manifest is not { } manifest) return;
            releases[item.Id] = new StoredRelease(
                new ReleaseAge(item.Id, manifest.Created, item.Object.LastModified),
                item.Object.Size,
                [.. manifest.Blobs]);
        });
        return releases;
    }

    private async Task<(List<BlobToDelete> Deletable, int Spared)> ListDeletableBlobsAsync(
        IReadOnlySet<ContentHash> referenced, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var deletable = new List<BlobToDelete>();
        var spared = 0;
        await foreach (var info in store.ListAsync(StoreLayout.BlobsPrefix, cancellationToken))
        {
            if (!StoreLayout.TryParseBlob(info.Key, out var hash) || referenced.Contains(hash)) continue;
            if (info.LastModified <= olderThan) deletable.Add(new BlobToDelete(hash, info.Size, info.LastModified));
            else spared++;
        }
        return (deletable, spared);
    }

    /// <param name="lease">Kept alive before each batch while the deletions need it.</param>
    private async Task DeleteAsync(
        IReadOnlyList<string> keys, CleanupStage stage, IProgress<CleanupProgress>? progress, int deletedBefore, ReleaseLease? lease, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var batch in keys.Chunk(MaxKeysPerDelete))
        {
            try
            {
                if (lease is not null) await lease.KeepAsync(cancellationToken);
                await store.DeleteAsync(batch, cancellationToken);
            }
            catch (JamdeployException e)
            {
                throw new StoreException(
                    $"cleanup stopped after deleting {deletedBefore + deleted} objects: {e.Message}; every kept release is whole, rerun cleanup to finish", e);
            }
            deleted += batch.Length;
            progress?.Report(new CleanupProgress(stage, deleted, keys.Count));
            _log.Debug("Deleted {Batch} {Stage} objects ({Deleted} of {Total})", batch.Length, stage, deleted, keys.Count);
        }
    }

    private sealed record StoredRelease(ReleaseAge Age, long ManifestBytes, ContentHash[] Blobs);

    private sealed record Survey(CleanupPlan Plan, IReadOnlyDictionary<ReleaseId, StoredRelease> Releases);
}
