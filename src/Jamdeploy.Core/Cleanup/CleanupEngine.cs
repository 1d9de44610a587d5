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
/// are older than the grace period, all under the store lease so that deploys running alongside find out
/// (ReleaseLease, DeletionWatch), and with the releases it deletes marked in the live pointer first, so that no
/// promote or rollback makes one of them live (CleanupMark). A run cut short leaves unreferenced blobs behind, never
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
        // Every deletion happens under the store lease, with this run's token written into it: until the last blob
        // is deleted, no deploy may flip, and a deploy that finds the token changed since it looked checks its
        // release is whole before it flips (Releases/DeletionWatch.cs). That, not the grace period, keeps a deploy
        // running alongside whole. Promote and rollback take no lease: the releases about to go are marked in the
        // live pointer first (DecideAndMarkAsync). A run that deletes nothing and finds no mark to take out writes
        // nothing, not even the lease.
        if (plan.ObjectCount == 0 && survey.Pointer?.Deleting is null)
            return new CleanupResult(plan, 0, 0, 0, maxDelete, false, 0, 0) { AbandonedWritesRemoved = tempFiles };
        await using var lease = await ReleaseLease.AcquireAsync(store, clock, new LeaseClaim("cleanup", ReleaseLease.Wait) { ToDelete = true }, _log, cancellationToken);

        var (releases, releaseBatch, marked) = await DecideAndMarkAsync(survey, budget, lease, cancellationToken);
        await DeleteAsync(releaseBatch.Select(r => StoreLayout.Release(r.Id)).ToList(), CleanupStage.Releases, progress, 0, lease, cancellationToken);
        // Once their manifests are gone the mark has done its work: a flip to one of them finds no manifest. When
        // deleting failed or was cancelled, a delete may still land, so the mark stays until the next run.
        if (marked is not null) await UnmarkAsync(marked, lease.Token);
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
        return new Survey(plan, releases, pointer);
    }

    private const int MaxMarkAttempts = 50;

    /// <summary>
    /// Decides again under the lease which releases go, from the pointer and pins as they are now (a promote, rollback
    /// or pin since the survey may protect a release the plan lets go), and marks those it will delete now in the live
    /// pointer, by a swap against the very pointer it decided from (<see cref="CleanupMark"/>). A swap lost to a flip
    /// decides again from the flip's pointer; a mark left by a killed cleanup is replaced or taken out. Pins change only
    /// under the lease, so they are read once.
    /// </summary>
    /// <returns>The releases still to delete, those this run deletes (at most <paramref name="budget"/>), and the pointer as marked (null: nothing marked).</returns>
    private async Task<(List<ReleaseToDelete> Releases, List<ReleaseToDelete> Batch, LiveState? Marked)> DecideAndMarkAsync(
        Survey survey, int budget, ReleaseLease lease, CancellationToken cancellationToken)
    {
        var plan = survey.Plan;
        var pins = await _documents.ReadPinsAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var state = await _documents.ReadLiveAsync(cancellationToken);
            var stillDeletable = RetentionPolicy.Decide(survey.Releases.Values.Select(r => r.Age), state.Pointer, pins, plan.At, plan.Rules)
                .Where(d => !d.Keep).Select(d => d.Id).ToHashSet();
            var releases = plan.ReleasesToDelete.Where(r => stillDeletable.Contains(r.Id)).ToList();
            var batch = releases.Take(budget).ToList();
            // With no pointer there is nothing to mark, and nothing flips without the lease (the first flip takes it).
            if (state.Pointer is not { } pointer || (batch.Count == 0 && pointer.Deleting is null)) return (releases, batch, null);

            var mark = batch.Count == 0 ? null : new CleanupMark(lease.Token, clock.GetUtcNow(), [.. batch.Select(r => r.Id)]);
            var marked = pointer with { Deleting = mark };
            var written = await _documents.WritePointerAsync(marked, state.ETag, cancellationToken);
            if (written.Written)
            {
                if (pointer.Deleting is { } stale && stale.Cleanup != lease.Token)
                    _log.Warning("Took out the mark of a cleanup that stopped at {Since} while deleting {Count} releases", stale.Since, stale.Releases.Count);
                _log.Information("Marked {Count} releases as being deleted in the live pointer", batch.Count);
                return (releases, batch, mark is null ? null : new LiveState(marked, written.ETag));
            }
            if (attempt >= MaxMarkAttempts)
                throw new StoreException($"gave up after {attempt} attempts: the live pointer kept changing while cleanup marked what it deletes; cleanup deleted nothing");
            _log.Information("The live pointer moved while cleanup marked what it deletes; deciding again");
        }
    }

    /// <summary>
    /// Takes this run's mark out of the live pointer, over any flip made meanwhile. A failure only leaves the mark,
    /// which refuses flips to releases whose manifests are gone anyway, and the next run takes it out.
    /// </summary>
    private async Task UnmarkAsync(LiveState marked, string token)
    {
        var state = marked;
        try
        {
            for (var attempt = 1; attempt <= MaxMarkAttempts; attempt++)
            {
                var written = await _documents.WritePointerAsync(state.Pointer! with { Deleting = null }, state.ETag, CancellationToken.None);
                if (written.Written) return;
                state = await _documents.ReadLiveAsync(CancellationToken.None);
                if (state.Pointer?.Deleting?.Cleanup != token) return;
            }
            _log.Warning("Could not take cleanup's mark out of the live pointer: it kept changing; the next cleanup takes it out");
        }
        catch (JamdeployException e)
        {
            _log.Warning("Could not take cleanup's mark out of the live pointer ({Error}); the next cleanup takes it out", e.Message);
        }
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

    private sealed record Survey(CleanupPlan Plan, IReadOnlyDictionary<ReleaseId, StoredRelease> Releases, LivePointer? Pointer);
}
