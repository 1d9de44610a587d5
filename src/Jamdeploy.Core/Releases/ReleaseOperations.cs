using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;
using Serilog;

namespace Jamdeploy.Releases;

/// <summary>A release as <c>jamdeploy releases</c> shows it.</summary>
public sealed record ReleaseSummary(ReleaseId Id, DateTimeOffset Created, int Files, long Bytes, string? Message, string? Commit, bool Live)
{
    /// <summary>Whether a pin keeps it through every cleanup (read by <see cref="ReleaseOperations.ListAsync"/> only).</summary>
    public bool Pinned { get; init; }

    /// <summary>Why it is pinned (<c>jamdeploy pin --note</c>).</summary>
    public string? PinNote { get; init; }
}

/// <summary>What is live now and how it got there.</summary>
public sealed record SiteStatus(string Store, ReleaseSummary? Live, DateTimeOffset? LiveSince, FlipAction? LiveBy, ReleaseId? RollbackTarget, int HistoryEntries);

/// <summary>The outcome of promote or rollback: no upload, one pointer write, one CDN diff.</summary>
public sealed record SwitchResult(ReleaseId Live, ReleaseId? Before, bool AlreadyLive, int InvalidatedPaths)
{
    /// <summary>When a rollback found the last move already a rollback to the live release: the time of that move.</summary>
    public DateTimeOffset? RolledBackAt { get; init; }
}

/// <summary>Moves the pointer to a release that is already stored (promote, rollback), and reads what is there.</summary>
public sealed class ReleaseOperations(ReleaseStore releases, CdnNotifier cdn, TimeProvider time, int historyLimit, ILogger log)
{
    private const int ReadParallelism = 8;
    private const int BlobLookupParallelism = 16;

    /// <summary>Told when the store lease is held by someone else (a cleanup deleting releases), before waiting for it.</summary>
    public Action<LeaseDocument>? WaitingForLease { get; init; }

    /// <summary>
    /// Look up every blob of the target before switching (<c>--verify</c>), by a listing of the blobs or a HEAD
    /// each, whichever is fewer requests, and refuse if one is missing. Off by default: a switch otherwise costs
    /// a few requests whatever the release's size, and rollback is the command used when the site is on fire.
    /// </summary>
    public bool VerifyBlobs { get; init; }

    public Task<SwitchResult> PromoteAsync(ReleaseId id, bool force, CancellationToken cancellationToken) =>
        SwitchAsync($"promote {id}", FlipAction.Promote, _ => id, force, cancellationToken);

    /// <summary>
    /// Back to <paramref name="to"/>, or by default to the release live just before the current one; when the last
    /// move already was a rollback to the live release, nothing moves (<see cref="LivePointer.RollbackTarget"/>), so a
    /// retried rollback never flips back.
    /// </summary>
    public Task<SwitchResult> RollbackAsync(ReleaseId? to, bool force, CancellationToken cancellationToken) =>
        SwitchAsync("rollback", FlipAction.Rollback, state =>
        {
            if (state.Pointer is not { } pointer)
                throw new UsageException($"nothing to roll back: no release has been made live in {releases.Objects.Location}");
            if (to is not null || pointer.LastRollback is not null) return to;
            return pointer.Previous()
                ?? throw new UsageException($"nothing to roll back to: {pointer.Live} is the only release that has been live; deploy or promote another first");
        }, force, cancellationToken);

    public async Task<IReadOnlyList<ReleaseSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var state = await releases.ReadLiveAsync(cancellationToken);
        var pins = await releases.ReadPinNotesAsync(cancellationToken);
        var ids = new List<ReleaseId>();
        await foreach (var id in releases.ListReleaseIdsAsync(cancellationToken)) ids.Add(id);

        var summaries = new ReleaseSummary?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                // A manifest deleted by a concurrent cleanup between list and read is simply gone.
                if (await releases.TryReadManifestAsync(ids[i], ct) is { } manifest)
                    summaries[i] = Summarize(manifest, state.Live) with
                    {
                        Pinned = pins.TryGetValue(manifest.Id, out var note),
                        PinNote = note,
                    };
            });
        return [.. summaries.OfType<ReleaseSummary>().OrderByDescending(s => s.Created).ThenByDescending(s => s.Id.Value, StringComparer.Ordinal)];
    }

    public async Task<SiteStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var state = await releases.ReadLiveAsync(cancellationToken);
        if (state.Pointer is not { } pointer) return new SiteStatus(releases.Objects.Location, null, null, null, null, 0);
        var live = await releases.ReadLiveManifestAsync(pointer.Live, cancellationToken);
        var last = pointer.History.LastOrDefault();
        return new SiteStatus(releases.Objects.Location, Summarize(live, pointer.Live), last?.At, last?.Action, pointer.RollbackTarget(), pointer.History.Count);
    }

    /// <summary>
    /// Reads the pointer and the target's manifest, and flips by a compare-and-swap against the pointer read: three
    /// requests, and no store lease. What keeps the target whole is the pointer itself (<see cref="CleanupMark"/>):
    /// a cleanup marks the releases it deletes in the pointer, by a swap against the pointer it decided from, before
    /// it deletes one; the flip's swap names the pointer read here and refuses a release a mark names
    /// (<see cref="LiveSwitch"/>). So either the mark came first, and the flip sees it (its swap fails and the pointer
    /// read again marks the target) or, once the mark is gone, the target's manifest is gone too; or the flip came
    /// first, and the cleanup's swap fails and it decides again from a pointer where the target is live. A manifest
    /// read here that no mark names keeps its blobs: cleanup deletes only blobs no remaining manifest references.
    /// The CDN is told after the flip.
    /// </summary>
    /// <param name="chooseTarget">The release to make live, given the pointer; null when the move was already made (a rollback's).</param>
    private async Task<SwitchResult> SwitchAsync(
        string holder, FlipAction action, Func<LiveState, ReleaseId?> chooseTarget, bool force, CancellationToken cancellationToken)
    {
        // A mistake (no such release, nothing to roll back to) or a move to what is already live writes nothing.
        var state = await releases.ReadLiveAsync(cancellationToken);
        if (chooseTarget(state) is not { } chosen) return await AlreadyMovedAsync(state, cancellationToken);
        // Refused before a read: the check that counts is the swap's, against the pointer it replaces.
        if (state.Pointer?.Deleting is { } mark && mark.Names(chosen))
            throw new ReleaseBeingDeletedException(chosen, mark.Since, releases.Where(Storage.StoreLayout.LiveKey));
        // The edge pointer's version beside the manifest read: after the flip the edge then takes one write.
        var edgeVersion = cdn.ReadEdgeVersionAsync(cancellationToken);
        var target = await releases.ReadRequestedManifestAsync(chosen, cancellationToken);
        if (IsAlreadyLive(state, target.Id, target.ContentDigest())) return await AlreadyLiveAsync(target.Id, cancellationToken);
        await RequireBlobsAsync(target, cancellationToken);
        await cdn.CheckReadyAsync(cancellationToken);

        FlipResult flip;
        if (state.Pointer is null)
        {
            // No pointer yet (only staged deploys so far): there is none to mark, so a cleanup deletes under the store
            // lease alone, and the first flip takes it too, then checks the release is still there.
            await using (await ReleaseLease.AcquireAsync(releases.Objects, time, holder, ReleaseLease.Wait, WaitingForLease, log, cancellationToken))
            {
                await releases.RequireReleaseAsync(target.Id, cancellationToken);
                flip = await new LiveSwitch(releases, time, historyLimit, log).FlipAsync(target, action, state, force, cancellationToken);
            }
        }
        else
        {
            try
            {
                flip = await new LiveSwitch(releases, time, historyLimit, log).FlipAsync(target, action, state, force, cancellationToken);
            }
            catch (LiveChangedException) when (action == FlipAction.Rollback)
            {
                // Another run of this very rollback landed meanwhile: it did what this one came to do.
                var now = await releases.ReadLiveAsync(cancellationToken);
                if (now.Pointer?.LastRollback is { } done && done.Release == target.Id && chooseTarget(now) is null)
                    return await AlreadyMovedAsync(now, cancellationToken);
                throw;
            }
        }
        // From here on the new release is live, and every outcome says so: the notifier reads what was live before
        // only for a CDN, and a failure to read it widens the invalidation instead of failing the command.
        var before = flip.Before;
        var outcome = await cdn.AfterFlipAsync(
            ct => before is { } b ? releases.ReadManifestToDiffFromAsync(b, ct) : Task.FromResult<Manifest?>(null),
            target, flip.At, cancellationToken, await edgeVersion);
        return new SwitchResult(target.Id, flip.Before, false, outcome.PathCount);
    }

    /// <summary>With <see cref="VerifyBlobs"/>: refuses a target that a look at the store shows is missing a blob (invariant 1).</summary>
    private async Task RequireBlobsAsync(Manifest target, CancellationToken cancellationToken)
    {
        if (!VerifyBlobs) return;
        var blobs = target.Blobs.ToList();
        var presence = await new BlobLookup(releases.Objects, BlobLookupParallelism).FindAsync(blobs, [], storedAtLeast: 0, cancellationToken);
        var missing = blobs.Where(presence.IsMissing).ToList();
        log.Information("Checked {Blobs} blobs of {Release}: {Missing} missing", blobs.Count, target.Id, missing.Count);
        if (missing.Count > 0) throw new MissingBlobsException(target, missing);
    }

    /// <summary>
    /// Nothing to move; but an earlier flip to this release may have exited 3 with the edge pointer behind (a
    /// retried CI job promotes the same release again), so a stale edge pointer is brought to it, as a deploy
    /// of the live folder does.
    /// </summary>
    private async Task<SwitchResult> AlreadyLiveAsync(ReleaseId live, CancellationToken cancellationToken)
    {
        await cdn.RepairEdgeAsync(live, cancellationToken);
        return new SwitchResult(live, live, true, 0);
    }

    /// <summary>The last move already was this rollback: said as such, and the edge pointer repaired as for any retry.</summary>
    private async Task<SwitchResult> AlreadyMovedAsync(LiveState state, CancellationToken cancellationToken)
    {
        var done = state.Pointer!.LastRollback!;
        log.Information("The last move was already a rollback to {Release} at {At}; nothing to do", done.Release, done.At);
        return await AlreadyLiveAsync(done.Release, cancellationToken) with { RolledBackAt = done.At };
    }

    // Promoting the live release again changes nothing, unless the pointer lacks its digest (written by an
    // older jamdeploy, or edited by hand): then the move rewrites it.
    private static bool IsAlreadyLive(LiveState state, ReleaseId target, ContentHash digest) =>
        state.Live == target && state.Pointer?.LiveContent == digest;

    private static ReleaseSummary Summarize(Manifest manifest, ReleaseId? live) =>
        new(manifest.Id, manifest.Created, manifest.Files.Count, manifest.TotalBytes, manifest.Message, manifest.Commit, manifest.Id == live);
}
