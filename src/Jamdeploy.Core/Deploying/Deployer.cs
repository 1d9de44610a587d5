using System.Collections.Immutable;
using Jamdeploy.Cdn;
using Jamdeploy.Hashing;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;
using Jamdeploy.Precompression;
using Jamdeploy.Releases;
using Jamdeploy.Rules;
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
    private readonly PrecompressPolicy _precompress = new(options.Precompress);

    /// <summary>Told when the store lease is held by someone else (a cleanup deleting, a promote), before waiting for it.</summary>
    public Action<LeaseDocument>? WaitingForLease { get; init; }

    public async Task<DeployResult> DeployAsync(DeployRequest request, IProgress<DeployProgress>? progress, CancellationToken cancellationToken)
    {
        progress = StageTimings.Wrap(progress, log);
        if (request.Promote && !request.DryRun) await cdn.CheckReadyAsync(cancellationToken);
        progress?.Report(new DeployProgress(DeployStage.Scan, 0, 0));
        var preparing = FileHasher.PrepareAsync();
        // Reading what is live needs neither the files nor their hashes: the store's latency overlaps the scan and
        // the hashing (on another thread, so the read's own set-up does too). A read changes nothing, and its answer
        // is looked at only once the site's rules are valid, so a bad rule is still exit 2 with nothing touched and
        // is what the user is told even when the store is unreachable. The flip later swaps against this read, so a
        // release made live meanwhile is still detected (invariant 3).
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => _releases.ReadLiveAsync(stopReading.Token), stopReading.Token);
        IReadOnlyList<ScannedFile> scanned;
        SiteRules? rules;
        long totalBytes;
        IReadOnlyList<HashedFile> hashed;
        try
        {
            scanned = SiteScanner.Scan(request.Folder, new IgnoreRules(options.IgnorePatterns), cancellationToken, root: request.FullFolder,
                maxPathLength: options.MaxPathLength,
                skippedLink: (link, target) => log.Warning("Skipped {Link}: it leads to {Target}, which is never deployed", link, target));
            // A large site's 16-lane hashing code compiles while the rules are read; hashing starts without it if need be.
            var lanesCompiled = FileHasher.PrepareLanesAsync(scanned);
            (scanned, rules) = ReadRules(request, scanned);
            totalBytes = scanned.Sum(f => f.Length);
            log.Information("Scanned {Files} files ({Bytes} bytes) in {Folder}", scanned.Count, totalBytes, request.Folder);

            // From here to the last digest: waiting for the hashing code to be ready (compiled while the folder was
            // scanned; a scan shorter than that leaves a wait), then the hashing itself.
            var hashing = System.Diagnostics.Stopwatch.StartNew();
            var cpu = Environment.CpuUsage.TotalTime;
            await preparing;
            hashed = Hash(scanned, totalBytes, progress, lanesCompiled, cancellationToken);
            // scripts/bench-startup.sh reads this line: the hashing rate of a fresh process, as users run it, and the
            // CPU time it took (a rate a busy machine does not bend as much as the wall time).
            log.Information("Hashed {Files} files ({Bytes} bytes) in {Milliseconds:0.0} ms, {CpuMilliseconds:0.0} ms of CPU",
                scanned.Count, totalBytes, hashing.Elapsed.TotalMilliseconds, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
        }
        catch
        {
            // The site's own error is the one to report: the read is stopped, not waited for (an unreachable store
            // would otherwise hold a bad rule's exit behind its retries).
            await stopReading.CancelAsync();
            await reading.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            throw;
        }

        progress?.Report(new DeployProgress(DeployStage.Plan, 0, 0));
        // The scan gives files in ordinal path order, the manifest's own order. Which files get precompressed forms
        // follows from their type and size, so it is known (and digested) before anything is compressed.
        var entries = hashed.Select(f => KeyValuePair.Create(f.SitePath,
            VariantPlan.Predict(new ManifestEntry(f.Hash, f.Length, ContentTypes.For(f.SitePath)), _precompress))).ToArray();
        var planned = await reading;
        // The pointer's digest settles a redeploy of the live folder (a CI retry) with one small read, before
        // a manifest is even built; the live manifest is read only to plan, or to compare when an older
        // pointer carries no digest.
        var liveDigest = planned.Pointer?.LiveContent;
        if (liveDigest is not null && liveDigest == Manifest.DigestOf(entries, rules)) return await UnchangedAsync(planned.Live!.Value, null);
        var release = BuildManifest(request, entries, rules);
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
        if (liveDigest is null && live is not null && live.HasSameContentAs(release)) return await UnchangedAsync(live.Id, live);
        var watch = request.DryRun ? null : await (watching ?? DeletionWatch.StartAsync(_releases, cancellationToken));

        var planner = Planner();
        // What the deploy sends goes with a conditional write, so a small change needs no look at the store before it.
        var plan = await planner.PlanAsync(release, hashed, live, request.Verify, VariantPlan.Create(release, hashed, live), cancellationToken,
            writeIfAbsent: !request.DryRun);
        log.Information("Planned {Release}: {Uploads} blobs to send ({Bytes} bytes), {Reused} files reused, {Variants} precompressed forms to make, {ReusedVariants} reused",
            release.Id, plan.Uploads.Count, plan.BytesToSend, plan.ReusedFiles, plan.Variants.ToMake, plan.Variants.Reused);
        var result = new DeployResult(DeployOutcome.DryRun, release.Id, planned.Live, plan)
        {
            Files = hashed.Count,
            TotalBytes = totalBytes,
            Precompressed = PrecompressSummary.None with { Made = plan.Variants.ToMake, Reused = plan.Variants.Reused },
        };
        if (request.DryRun) return result with { Invalidation = cdn.Plan(live, release), RuleChanges = SiteRuleChanges.Between(live?.Rules, release.Rules) };

        var made = await SendAsync(plan.Uploads, plan.Variants.Jobs, plan.Presence, progress, cancellationToken);
        release = plan.Variants.Complete(release, made.Blobs);
        if (made.BlobsFoundStored.Count > 0)
            log.Information("{Count} blobs were stored already (the store refused a second copy): not sent", made.BlobsFoundStored.Count);
        result = result with { Plan = plan.FoundStored(made.BlobsFoundStored), Precompressed = Summary(plan.Variants, made) };
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
        Task<InvalidationOutcome> notifying;
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
            if (cdn.Invalidates) progress?.Report(new DeployProgress(DeployStage.Invalidate, 0, 1));
            // From here on the release is live and every outcome says so (exit 0, 3 or 130, never 1). The CDN is told
            // while the lease is given back: the flip has landed, and neither step waits for the other.
            notifying = cdn.AfterFlipAsync(ReadBeforeAsync, release, flip.At, cancellationToken);
        }
        result = result with { Outcome = DeployOutcome.Live, PreviousLive = flip.Before, Forced = flip.OverConcurrentChange };
        var outcome = await notifying;
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
            var (missing, variants) = await planner.MissingAsync(release, hashed, cancellationToken);
            if (missing.Count == 0 && variants.ToMake == 0) return;
            log.Warning("A cleanup deleted {Count} blobs of {Release} before its flip; sending them again", missing.Count + variants.ToMake, release.Id);
            await SendAsync(missing, variants.Jobs, presence: null, progress, cancellationToken);
        }

        async Task<DeployResult> UnchangedAsync(ReleaseId liveRelease, Manifest? liveManifest)
        {
            log.Information("Folder matches live release {Release}; nothing to do", liveRelease);
            var repair = request.Verify && !request.DryRun ? await RepairLiveAsync(liveRelease, liveManifest) : null;
            if (request.Promote && !request.DryRun) await cdn.RepairEdgeAsync(liveRelease, cancellationToken);
            return new DeployResult(DeployOutcome.Unchanged, liveRelease, liveRelease, repair) { Files = hashed.Count, TotalBytes = totalBytes };
        }

        // --verify on the live folder: the folder is the live release's content, so every blob is looked up
        // as one of the live release's, and a missing one is sent again from its file; nothing flips.
        // Its precompressed forms are the live manifest's: one missing is made again under the name the live release has.
        async Task<DeployPlan> RepairLiveAsync(ReleaseId liveRelease, Manifest? liveManifest)
        {
            var content = liveManifest ?? await _releases.ReadLiveManifestAsync(liveRelease, cancellationToken);
            var repair = await Planner().PlanAsync(content, hashed, live: content, checkEveryBlob: true, VariantPlan.Existing(content), cancellationToken);
            var variants = repair.Variants.Expecting();
            if (repair.Uploads.Count + variants.ToMake > 0)
                log.Warning("{Count} blobs of the live release were missing from the store; sending them again", repair.Uploads.Count + variants.ToMake);
            await SendAsync(repair.Uploads, variants.Jobs, presence: null, progress, cancellationToken);
            return repair;
        }
    }

    private DeployPlanner Planner() => new(store, time, options.GracePeriod, options.LookupConcurrency, log);

    private Task<VariantsMade> SendAsync(
        IReadOnlyList<BlobUpload> uploads, IReadOnlyList<VariantJob> variants, BlobPresence? presence, IProgress<DeployProgress>? progress, CancellationToken cancellationToken) =>
        new BlobSender(store, count => UploadConcurrency.For(options, count), new Compressor(options.Precompress.Quality), time, log)
            .SendAsync(uploads, variants, presence, time.GetUtcNow() - options.GracePeriod / 2, progress, cancellationToken);

    private static PrecompressSummary Summary(VariantPlan plan, VariantsMade made) =>
        new(made.Blobs.Count, plan.Reused, made.Sent, made.BytesSent, made.SourceBytes, made.CompressedBytes, made.CompressTime);

    private static IReadOnlyList<HashedFile> Hash(
        IReadOnlyList<ScannedFile> scanned, long totalBytes, IProgress<DeployProgress>? progress, Task<bool> lanesCompiled, CancellationToken cancellationToken)
    {
        long done = 0;
        var files = 0;
        var bytes = progress is null ? null : new InlineProgress<long>(n =>
            progress.Report(new DeployProgress(DeployStage.Hash, Interlocked.Add(ref done, n), totalBytes) { FilesDone = Volatile.Read(ref files), FilesTotal = scanned.Count }));
        var hashedFiles = progress is null ? null : new InlineProgress<int>(n =>
            progress.Report(new DeployProgress(DeployStage.Hash, Volatile.Read(ref done), totalBytes) { FilesDone = Interlocked.Add(ref files, n), FilesTotal = scanned.Count }));
        progress?.Report(new DeployProgress(DeployStage.Hash, 0, totalBytes) { FilesTotal = scanned.Count });
        return FileHasher.Hash(scanned, bytes, cancellationToken, filesHashed: hashedFiles, lanesCompiled: lanesCompiled);
    }

    /// <summary>
    /// The site rules of the deploy: <c>_headers</c> and <c>_redirects</c> at the root of the folder, then the configured
    /// ones. The two files configure the edges and are not files of the site: never uploaded, never served.
    /// </summary>
    private static (IReadOnlyList<ScannedFile> Files, SiteRules? Rules) ReadRules(DeployRequest request, IReadOnlyList<ScannedFile> scanned)
    {
        const string headers = "/" + SiteRulesParser.HeadersFileName, redirects = "/" + SiteRulesParser.RedirectsFileName;
        var parsed = SiteRulesParser.Read(request.Folder,
            scanned.FirstOrDefault(f => f.SitePath == headers)?.FullPath, scanned.FirstOrDefault(f => f.SitePath == redirects)?.FullPath,
            request.HeaderRules, request.RedirectRules);
        var files = parsed.Rules is null && !scanned.Any(f => f.SitePath is headers or redirects)
            ? scanned
            : [.. scanned.Where(f => f.SitePath is not (headers or redirects))];
        parsed.CheckResponseSizes(files.SelectMany(f => InvalidationPlanner.UrlsOf(f.SitePath)));
        return (files, parsed.Rules);
    }

    private Manifest BuildManifest(DeployRequest request, IEnumerable<KeyValuePair<string, ManifestEntry>> entries, SiteRules? rules)
    {
        // Added one by one to a builder: the entries come in path order, and CreateRange would sort a copy of them first.
        var files = ImmutableSortedDictionary.CreateBuilder<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var (path, entry) in entries) files.Add(path, entry);
        var now = time.GetUtcNow();
        return new Manifest(ReleaseId.New(now), now, files.ToImmutable())
        {
            Message = request.Message,
            Commit = request.Commit,
            Source = request.FullFolder,
            Rules = rules,
        };
    }
}
