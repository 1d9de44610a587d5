using System.Collections.Immutable;
using Jamdeploy.Hashing;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;
using Jamdeploy.Releases;
using Jamdeploy.Scanning;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Deploying;

/// <summary>
/// The deploy pipeline: scan → hash → plan → upload → write manifest → flip → invalidate. Nothing before
/// the flip is visible to a reader, so a failure or a kill anywhere before it leaves the live site as it
/// was (invariants 1 and 5), and a rerun finds what already arrived.
/// </summary>
public sealed class Deployer(IObjectStore store, CdnNotifier cdn, DeployOptions options, TimeProvider time, ILogger log)
{
    private readonly ReleaseStore _releases = new(store);

    /// <summary>Told when the store lease is held by someone else (a cleanup deleting, a promote), before waiting for it.</summary>
    public Action<LeaseDocument>? WaitingForLease { get; init; }

    public async Task<DeployResult> DeployAsync(DeployRequest request, IProgress<DeployProgress>? progress, CancellationToken cancellationToken)
    {
        if (request.Promote && !request.DryRun) await cdn.CheckReadyAsync(cancellationToken);
        progress?.Report(new DeployProgress(DeployStage.Scan, 0, 0));
        var preparing = FileHasher.PrepareAsync();
        var scanned = SiteScanner.Scan(request.Folder, new IgnoreRules(options.IgnorePatterns), cancellationToken, root: request.FullFolder,
            maxPathLength: options.MaxPathLength,
            skippedLink: (link, target) => log.Warning("Skipped {Link}: it leads to {Target}, which is never deployed", link, target));
        var totalBytes = scanned.Sum(f => f.Length);
        log.Information("Scanned {Files} files ({Bytes} bytes) in {Folder}", scanned.Count, totalBytes, request.Folder);

        // Reading what is live needs no hashes: overlap the store's latency with hashing. The flip later
        // swaps against this read, so a release made live meanwhile is still detected (invariant 3).
        var reading = _releases.ReadLiveAsync(cancellationToken);
        IReadOnlyList<HashedFile> hashed;
        try
        {
            await preparing;
            var hashing = System.Diagnostics.Stopwatch.StartNew();
            var cpu = Environment.CpuUsage.TotalTime;
            hashed = await HashAsync(scanned, totalBytes, progress, cancellationToken);
            // scripts/bench-startup.sh reads this line: the hashing rate of a fresh process, as users run it, and the
            // CPU time it took (a rate a busy machine does not bend as much as the wall time).
            log.Information("Hashed {Files} files ({Bytes} bytes) in {Milliseconds:0.0} ms, {CpuMilliseconds:0.0} ms of CPU",
                scanned.Count, totalBytes, hashing.Elapsed.TotalMilliseconds, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
        }
        catch
        {
            await reading.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            throw;
        }

        progress?.Report(new DeployProgress(DeployStage.Plan, 0, 0));
        // The scan gives files in ordinal path order, the manifest's own order.
        var entries = hashed.Select(f => KeyValuePair.Create(f.SitePath, new ManifestEntry(f.Hash, f.Length, ContentTypes.For(f.SitePath)))).ToArray();
        var planned = await reading;
        // The pointer's digest settles a redeploy of the live folder (a CI retry) with one small read, before
        // a manifest is even built; the live manifest is read only to plan, or to compare when an older
        // pointer carries no digest.
        var liveDigest = planned.Pointer?.LiveContent;
        if (liveDigest is not null && liveDigest == Manifest.DigestOf(entries, rules: null)) return await UnchangedAsync(planned.Live!.Value);
        var release = BuildManifest(request, entries);
        // Read before the plan looks at which blobs are stored, beside the live manifest: what the plan trusts
        // is then covered at the flip (Releases/DeletionWatch.cs). A dry run trusts nothing; under a pointer
        // without a digest, the manifest read first may show a redeploy of the live folder, which needs no lease.
        var watching = request.DryRun || liveDigest is null ? null : DeletionWatch.StartAsync(_releases, cancellationToken);
        Manifest? live;
        try
        {
            live = planned.Live is { } liveId ? await _releases.ReadLiveManifestAsync(liveId, cancellationToken) : null;
        }
        catch
        {
            if (watching is not null) await watching.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            throw;
        }
        if (liveDigest is null && live is not null && live.HasSameContentAs(release)) return await UnchangedAsync(live.Id);
        var watch = request.DryRun ? null : await (watching ?? DeletionWatch.StartAsync(_releases, cancellationToken));

        var planner = Planner();
        var plan = await planner.PlanAsync(release, hashed, live, request.Verify, cancellationToken);
        log.Information("Planned {Release}: {Uploads} blobs to send ({Bytes} bytes), {Reused} files reused",
            release.Id, plan.Uploads.Count, plan.BytesToSend, plan.ReusedFiles);
        var result = new DeployResult(DeployOutcome.DryRun, release.Id, planned.Live, plan) { Files = hashed.Count, TotalBytes = totalBytes };
        if (request.DryRun) return result with { Invalidation = cdn.Plan(live, release) };

        await UploadAsync(plan.Uploads, plan.BytesToSend, progress, cancellationToken);
        progress?.Report(new DeployProgress(DeployStage.Manifest, 0, 1));
        // The manifest and the store lease at once: neither waits for the other.
        var writing = _releases.WriteManifestAsync(release, cancellationToken);
        var taking = watch!.TakeLeaseAsync(store, time, $"deploy {release.Id}", ReleaseLease.Wait, WaitingForLease, log, cancellationToken);
        if (request.Promote)
        {
            progress?.Report(new DeployProgress(DeployStage.Flip, 0, 1));
            log.Debug("Flipping the live pointer to {Release}: the store lease first", release.Id);
        }
        try
        {
            await Task.WhenAll(writing, taking);
        }
        catch
        {
            if (taking.IsCompletedSuccessfully) await (await taking).Lease.DisposeAsync();
            throw;
        }

        var held = await taking;
        FlipResult flip;
        // No cleanup deletes while the lease is held: what is checked here stays until the lease is given back.
        await using (held.Lease)
        {
            if (!held.Undisturbed) await RepairAsync();
            if (!request.Promote) return result with { Outcome = DeployOutcome.Staged };
            await held.Lease.KeepAsync(cancellationToken);
            // Undisturbed, the live release planned from was still live at the flip (or the flip is refused) and
            // lost nothing; a forced move over a changed pointer trusts nothing it reused.
            flip = await new LiveSwitch(_releases, time, options.HistoryLimit, log) { BeforeForcedMove = held.Undisturbed ? _ => RepairAsync() : null }
                .FlipAsync(release, FlipAction.Deploy, planned, request.Force, cancellationToken);
        }
        result = result with { Outcome = DeployOutcome.Live, PreviousLive = flip.Before, Forced = flip.OverConcurrentChange };

        if (cdn.Invalidates) progress?.Report(new DeployProgress(DeployStage.Invalidate, 0, 1));
        // From here on the release is live and every outcome says so (exit 0, 3 or 130, never 1).
        var outcome = await cdn.AfterFlipAsync(ReadBeforeAsync, release, flip.At, cancellationToken);
        return result with { InvalidatedPaths = outcome.PathCount };

        // The diff starts from the live manifest already read, unless a forced flip landed on top of another release.
        async Task<Manifest?> ReadBeforeAsync(CancellationToken ct) =>
            flip.Before is not { } before ? null
            : before == live?.Id ? live
            : await _releases.ReadManifestToDiffFromAsync(before, ct);

        // A cleanup ran while this deploy was under way: under the lease, the manifest and every blob are
        // checked to be there, and what it deleted is written again.
        async Task RepairAsync()
        {
            if (await store.HeadAsync(StoreLayout.Release(release.Id), cancellationToken) is null)
            {
                log.Warning("A cleanup deleted the manifest of {Release} before its flip; writing it again", release.Id);
                await _releases.WriteManifestAsync(release, cancellationToken);
            }
            var missing = await planner.MissingAsync(release, hashed, cancellationToken);
            if (missing.Count == 0) return;
            log.Warning("A cleanup deleted {Count} blobs of {Release} before its flip; sending them again", missing.Count, release.Id);
            await UploadAsync(missing, missing.Sum(u => u.Source.Length), progress, cancellationToken);
        }

        async Task<DeployResult> UnchangedAsync(ReleaseId liveRelease)
        {
            log.Information("Folder matches live release {Release}; nothing to do", liveRelease);
            var repair = request.Verify && !request.DryRun ? await RepairLiveAsync() : null;
            if (request.Promote && !request.DryRun) await cdn.RepairEdgeAsync(liveRelease, cancellationToken);
            return new DeployResult(DeployOutcome.Unchanged, liveRelease, liveRelease, repair) { Files = hashed.Count, TotalBytes = totalBytes };
        }

        // --verify on the live folder: the folder is the live release's content, so every blob is looked up
        // as one of the live release's, and a missing one is sent again from its file; nothing flips.
        async Task<DeployPlan> RepairLiveAsync()
        {
            var content = BuildManifest(request, entries);
            var repair = await Planner().PlanAsync(content, hashed, live: content, checkEveryBlob: true, cancellationToken);
            if (repair.Uploads.Count > 0)
                log.Warning("{Count} blobs of the live release were missing from the store; sending them again", repair.Uploads.Count);
            await UploadAsync(repair.Uploads, repair.BytesToSend, progress, cancellationToken);
            return repair;
        }
    }

    private DeployPlanner Planner() => new(store, time, options.GracePeriod, options.UploadConcurrency);

    private static async Task<IReadOnlyList<HashedFile>> HashAsync(
        IReadOnlyList<ScannedFile> scanned, long totalBytes, IProgress<DeployProgress>? progress, CancellationToken cancellationToken)
    {
        long done = 0;
        var files = 0;
        var bytes = progress is null ? null : new InlineProgress<long>(n =>
            progress.Report(new DeployProgress(DeployStage.Hash, Interlocked.Add(ref done, n), totalBytes) { FilesDone = Volatile.Read(ref files), FilesTotal = scanned.Count }));
        var hashedFiles = progress is null ? null : new InlineProgress<int>(n =>
            progress.Report(new DeployProgress(DeployStage.Hash, Volatile.Read(ref done), totalBytes) { FilesDone = Interlocked.Add(ref files, n), FilesTotal = scanned.Count }));
        progress?.Report(new DeployProgress(DeployStage.Hash, 0, totalBytes) { FilesTotal = scanned.Count });
        return await FileHasher.HashAsync(scanned, bytes, cancellationToken, filesHashed: hashedFiles);
    }

    private Manifest BuildManifest(DeployRequest request, IEnumerable<KeyValuePair<string, ManifestEntry>> entries)
    {
        var files = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, entries);
        var now = time.GetUtcNow();
        return new Manifest(ReleaseId.New(now), now, files)
        {
            Message = request.Message,
            Commit = request.Commit,
            Source = request.FullFolder,
        };
    }

    private async Task UploadAsync(IReadOnlyList<BlobUpload> uploads, long total, IProgress<DeployProgress>? progress, CancellationToken cancellationToken)
    {
        long sent = 0;
        var files = 0;
        var count = uploads.Count;
        progress?.Report(new DeployProgress(DeployStage.Upload, 0, total) { FilesTotal = count });
        // Big blobs first so the tail of the upload is many small ones, not one long one.
        var ordered = uploads.OrderByDescending(u => u.Source.Length);
        await Parallel.ForEachAsync(ordered,
            new ParallelOptions { MaxDegreeOfParallelism = options.UploadConcurrency, CancellationToken = cancellationToken },
            async (upload, ct) =>
            {
                var content = ObjectContent.FromFile(upload.Source.File.FullPath, upload.Source.Length, upload.Hash,
                    upload.ContentType, ObjectContent.ImmutableCacheControl);
                // IfAbsent: a concurrent deploy that sent the same blob first is success, not a conflict.
                await store.PutAsync(StoreLayout.Blob(upload.Hash), content,
                    upload.Refresh ? WriteCondition.None : WriteCondition.IfAbsent, ct);
                log.Debug("Uploaded {Blob} from {Path} ({Bytes} bytes, {Reason})", upload.Hash.Short, upload.Source.SitePath, upload.Source.Length, upload.Reason);
                progress?.Report(new DeployProgress(DeployStage.Upload, Interlocked.Add(ref sent, upload.Source.Length), total)
                    { FilesDone = Interlocked.Increment(ref files), FilesTotal = count });
            });
    }
}
