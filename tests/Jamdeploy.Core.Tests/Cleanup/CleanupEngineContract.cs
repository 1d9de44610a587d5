using System.Text;
using Jamdeploy.Cleanup;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.Verification;

namespace Jamdeploy.Core.Tests.Cleanup;

/// <summary>
/// What cleanup promises, run against every store (local directory, S3): it deletes what retention lets
/// go and only the blobs nothing kept references, in an order that leaves every kept release whole
/// after a crash at any point, and while deploys and promotes happen in the middle of it.
/// </summary>
public abstract class CleanupEngineContract : IAsyncLifetime
{
    // Only there to end a hang: the S3 run of this contract talks to moto, which a machine with every core
    // busy can slow several-fold (the 60 s limit failed there).
    private const int Timeout = 300_000;
    private static readonly TimeSpan TwoDays = TimeSpan.FromDays(2);
    private TestSite? _site;

    protected TestSite Site => _site ?? throw new InvalidOperationException("not initialised");

    /// <summary>A store with nothing in it, for one test.</summary>
    protected abstract Task<IObjectStore> CreateEmptyStoreAsync();

    public async Task InitializeAsync() => _site = new TestSite(await CreateEmptyStoreAsync());

    public virtual Task DisposeAsync()
    {
        _site?.Dispose();
        return Task.CompletedTask;
    }

    private static RetentionRules Rules(int keepLast, TimeSpan? grace = null) =>
        new() { KeepLast = keepLast, KeepFor = TimeSpan.Zero, GracePeriod = grace ?? RetentionRules.DefaultGracePeriod };

    [Fact(Timeout = Timeout)]
    public async Task Run_ReleasesPastTheRules_DeletesThemAndOnlyTheBlobsNoKeptReleaseReferences()
    {
        var ids = await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);

        var result = await Site.Cleanup().RunAsync(Rules(keepLast: 2), null, CancellationToken.None);

        Assert.Equal([ids[3], ids[4]], await Site.ReleasesAsync());
        Assert.Equal(ids[4], await Site.LiveAsync());
        Assert.Equal((3, 6, false), (result.ReleasesDeleted, result.BlobsDeleted, result.StoppedAtLimit));
        // Versions 4 and 5 own an index and a page each; the stylesheet is shared.
        Assert.Equal(5, (await Site.KeysAsync(StoreLayout.BlobsPrefix)).Count);
        await AssertAllWholeAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_NothingStored_DeletesNothing()
    {
        var result = await Site.Cleanup().RunAsync(RetentionRules.Default, null, CancellationToken.None);

        Assert.Equal(0, result.ObjectsDeleted);
        Assert.False(result.StoppedAtLimit);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_UnreferencedBlobYoungerThanTheGracePeriod_IsKeptUntilItAges()
    {
        await Site.DeployVersionsAsync(1);
        var orphan = await Site.PutOrphanBlobAsync("uploaded by a deploy that has not written its manifest yet");
        Site.Clock.Advance(TimeSpan.FromHours(23));

        var first = await Site.Cleanup().RunAsync(Rules(keepLast: 1), null, CancellationToken.None);
        Site.Clock.Advance(TimeSpan.FromHours(2));
        var second = await Site.Cleanup().RunAsync(Rules(keepLast: 1), null, CancellationToken.None);

        Assert.Equal((0, 1), (first.BlobsDeleted, first.Plan.BlobsSparedByGrace));
        Assert.Equal(1, second.BlobsDeleted);
        Assert.DoesNotContain(StoreLayout.Blob(orphan), await Site.KeysAsync(StoreLayout.BlobsPrefix));
    }

    /// <summary>
    /// The race of issue #14 at the lowest grace period cleanup accepts: a deploy has sent its new blobs and its
    /// manifest write is held when a cleanup runs (the new blobs are unreferenced, and no grace spares them).
    /// Whichever of the two takes the store lease first, the deploy goes live whole: either cleanup waits for
    /// its flip, or the deploy finds under the lease that a cleanup ran since it looked and sends again what it
    /// deleted. Without the lease the deploy went live with its own blobs missing.
    /// </summary>
    /// <remarks>Both contend for the lease for real, so both run on the system clock (see the race with five deploys).</remarks>
    [Fact(Timeout = Timeout)]
    public async Task Run_NoGracePeriodWhileADeploysManifestWriteIsHeld_TheDeployGoesLiveWhole()
    {
        await Site.DeployVersionsAsync(3);
        Site.Clock.SetUtcNow(TimeProvider.System.GetUtcNow());
        var holding = new HoldingStore(Site.Store, StoreLayout.ReleasesPrefix);
        var deploy = Task.Run(() => Site.DeployAsync(TestSite.Version(99), holding, clock: TimeProvider.System));
        await Task.WhenAny(holding.Holding, deploy);
        Assert.False(deploy.IsCompleted, "the deploy ended before writing its manifest");

        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cleanup = Task.Run(() => Site.Cleanup(new LeaseContentionSignal(Site.Store, blocked), TimeProvider.System)
            .RunAsync(Rules(keepLast: 0, TimeSpan.Zero), null, CancellationToken.None));
        // The manifest write goes on once cleanup is done, or waits for the lease the deploy took beside it.
        await Task.WhenAny(blocked.Task, cleanup);
        holding.Release();
        var late = await deploy;
        await cleanup;

        Assert.Equal(late, await Site.LiveAsync());
        await AssertAllWholeAsync();
        Assert.True(await Site.LeaseReleasedAsync(), "the store lease was not given back");
    }

    /// <summary>
    /// The same race where cleanup surely wins: a deploy reuses a blob an earlier, interrupted deploy left, and
    /// is still sending another when a cleanup with no grace period deletes the one it reuses. The deploy
    /// learns from the lease that a cleanup ran, sends the blob again and goes live whole.
    /// </summary>
    [Fact(Timeout = Timeout)]
    public async Task Run_NoGracePeriodDeletingABlobADeployReuses_TheDeploySendsItAgainBeforeItsFlip()
    {
        await Site.DeployVersionsAsync(3);
        Site.Clock.Advance(TwoDays);
        var version = TestSite.Version(99);
        var reused = StoreLayout.Blob(await Site.PutOrphanBlobAsync(version["pages/p99.html"]));
        var holding = new HoldingStore(Site.Store, StoreLayout.Blob(BlobOf(version["index.html"])));
        var deploy = Task.Run(() => Site.DeployAsync(version, holding));
        await Task.WhenAny(holding.Holding, deploy);
        Assert.False(deploy.IsCompleted, "the deploy ended before sending its blob");

        await Site.Cleanup().RunAsync(Rules(keepLast: 0, TimeSpan.Zero), null, CancellationToken.None);
        var afterCleanup = await Site.KeysAsync(StoreLayout.BlobsPrefix);
        holding.Release();
        var late = await deploy;

        Assert.DoesNotContain(reused, afterCleanup);
        Assert.Equal(late, await Site.LiveAsync());
        await AssertAllWholeAsync();
    }

    /// <summary>
    /// A deploy that uploads its blobs and writes its manifest after cleanup's last look at the manifests, while
    /// cleanup deletes blobs: it waits for cleanup's lease to flip, and goes live whole whatever the grace period
    /// (with none, cleanup deletes its new blobs and the deploy sends them again before its flip).
    /// </summary>
    [Theory(Timeout = Timeout)]
    [InlineData(24)]
    [InlineData(0)]
    public async Task Run_DeployFinishingAfterCleanupLookedAtManifests_WaitsForItAndGoesLiveWhole(int graceHours)
    {
        await Site.DeployVersionsAsync(3);
        Site.Clock.Advance(TwoDays);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ReleaseId>? deploy = null;
        // Listing 2 of blobs/ is the one the deletions are chosen from, after the manifests were re-read.
        var interleaved = new InterleavingStore(Site.Store, StoreLayout.BlobsPrefix, 2, async () =>
        {
            deploy = Task.Run(() => Site.DeployAsync(TestSite.Version(99), new LeaseContentionSignal(Site.Store, blocked)));
            await Task.WhenAny(blocked.Task, deploy);
        });

        await Site.Cleanup(interleaved).RunAsync(Rules(keepLast: 1, TimeSpan.FromHours(graceHours)), null, CancellationToken.None);
        // The deploy waits on the site's clock; cleanup has given the lease back, so it may look again now.
        await Site.Clock.AdvanceUntilDoneAsync(deploy!, TimeSpan.FromSeconds(1));
        var late = await deploy!;

        Assert.True(interleaved.Ran);
        Assert.Equal(late, await Site.LiveAsync());
        await AssertAllWholeAsync();
    }

    private static ContentHash BlobOf(string text) => ObjectContent.FromBytes(Encoding.UTF8.GetBytes(text), "text/plain").Sha256;

    [Fact(Timeout = Timeout)]
    public async Task Run_DeployWritingItsManifestWhileCleanupPlans_IsKeptWholeEvenWithNoGracePeriod()
    {
        await Site.DeployVersionsAsync(3);
        Site.Clock.Advance(TwoDays);
        ReleaseId late = default;
        // Listing 1 of blobs/ ends the survey: the deploy lands after the plan and before any deletion.
        var interleaved = new InterleavingStore(Site.Store, StoreLayout.BlobsPrefix, 1, async () => late = await Site.DeployAsync(TestSite.Version(99)));

        await Site.Cleanup(interleaved).RunAsync(Rules(keepLast: 0, TimeSpan.Zero), null, CancellationToken.None);

        Assert.Equal(late, await Site.LiveAsync());
        await AssertAllWholeAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_OldReleasePromotedWhileCleanupPlans_IsKeptWhole()
    {
        var ids = await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);
        var interleaved = new InterleavingStore(Site.Store, StoreLayout.BlobsPrefix, 1,
            () => Site.Operations().PromoteAsync(ids[0], force: false, CancellationToken.None));

        var result = await Site.Cleanup(interleaved).RunAsync(Rules(keepLast: 1, TimeSpan.Zero), null, CancellationToken.None);

        Assert.Contains(result.Plan.ReleasesToDelete, r => r.Id == ids[0]);
        Assert.Equal(ids[0], await Site.LiveAsync());
        Assert.Contains(ids[0], await Site.ReleasesAsync());
        await AssertAllWholeAsync();
        Assert.True(await Site.LeaseReleasedAsync(), "the store lease was not given back");
    }

    /// <summary>
    /// #16: a promote or rollback takes no store lease; cleanup's mark in the live pointer keeps them apart. The
    /// promote read the pointer before cleanup marked the release it promotes, and its pointer write lands after
    /// the mark and before the release is deleted: its swap fails, the pointer read again marks the release, and
    /// it is refused; live is unchanged and whole. Without the check of the mark at the swap, live would name a
    /// release whose manifest cleanup then deletes (invariant 1).
    /// </summary>
    [Theory(Timeout = Timeout)]
    [InlineData("promote")]
    [InlineData("rollback")]
    public async Task Run_FlipReadThePointerBeforeCleanupMarkedItsRelease_IsRefusedLiveStaysWhole(string command)
    {
        var ids = await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);
        var held = new HoldingStore(Site.Store, StoreLayout.LiveKey);
        var operations = Site.Operations(held);
        var flip = Task.Run(() => command == "promote"
            ? operations.PromoteAsync(ids[0], force: false, CancellationToken.None)
            : operations.RollbackAsync(ids[0], force: false, CancellationToken.None));
        await Task.WhenAny(held.Holding, flip);
        Assert.False(flip.IsCompleted, "the flip ended before it wrote the pointer");
        // Right after cleanup's mark, before it deletes: the flip's write goes on, and it finishes.
        var marked = new PointerWriteHook(Site.Store, after: async () =>
        {
            held.Release();
            await Task.WhenAny(flip);
        });

        var result = await Site.Cleanup(marked).RunAsync(Rules(keepLast: 1, TimeSpan.Zero), null, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<ReleaseBeingDeletedException>(() => flip);

        Assert.True(marked.Ran, "cleanup never marked the pointer");
        Assert.Equal(ids[0], refused.Release);
        Assert.StartsWith($"refused: a cleanup started at ", refused.Message);
        Assert.Contains(result.Plan.ReleasesToDelete, r => r.Id == ids[0]);
        Assert.Equal(ids[4], await Site.LiveAsync());
        Assert.DoesNotContain(ids[0], await Site.ReleasesAsync());
        Assert.Null((await new ReleaseStore(Site.Store).ReadLiveAsync(CancellationToken.None)).Pointer!.Deleting);
        await AssertAllWholeAsync();
    }

    /// <summary>
    /// #16: the promote lands after cleanup's last look at the pointer and before its mark: cleanup's swap fails, it
    /// decides again from the promoted pointer and keeps the release now live. Without the mark's swap it would
    /// delete the live release.
    /// </summary>
    [Fact(Timeout = Timeout)]
    public async Task Run_OldReleasePromotedAfterCleanupsLastLookBeforeItsMark_IsKeptWhole()
    {
        var ids = await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);
        var promoted = new PointerWriteHook(Site.Store, before: () => Site.Operations().PromoteAsync(ids[0], force: false, CancellationToken.None));

        var result = await Site.Cleanup(promoted).RunAsync(Rules(keepLast: 1, TimeSpan.Zero), null, CancellationToken.None);

        Assert.True(promoted.Ran, "cleanup never marked the pointer");
        Assert.Contains(result.Plan.ReleasesToDelete, r => r.Id == ids[0]);
        Assert.Equal(ids[0], await Site.LiveAsync());
        Assert.Contains(ids[0], await Site.ReleasesAsync());
        Assert.DoesNotContain(ids[1], await Site.ReleasesAsync());
        await AssertAllWholeAsync();
        Assert.True(await Site.LeaseReleasedAsync(), "the store lease was not given back");
    }

    /// <summary>
    /// #16: a cleanup killed after its mark leaves it in the pointer: a flip to a marked release is refused (it may
    /// be half deleted), others are not, and the next cleanup takes the mark out, keeping what a pin asks for.
    /// </summary>
    [Fact(Timeout = Timeout)]
    public async Task Run_KilledAfterItsMark_FlipsToMarkedReleasesAreRefusedUntilTheNextRunTakesTheMarkOut()
    {
        var ids = await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);
        var killed = new CrashingStore(Site.Store, allowedDeletes: 0);

        await Assert.ThrowsAsync<SimulatedCrash>(() => Site.Cleanup(killed).RunAsync(Rules(keepLast: 1, TimeSpan.Zero), null, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<ReleaseBeingDeletedException>(() => Site.Operations().PromoteAsync(ids[0], force: true, CancellationToken.None));
        await Site.Operations().RollbackAsync(null, force: false, CancellationToken.None);
        await new ReleasePins(Site.Store, Site.Clock).PinAsync(ids[1], "keep", CancellationToken.None);
        Site.Clock.Advance(ReleaseLease.Wait + TimeSpan.FromMinutes(1));
        await Site.Cleanup().RunAsync(Rules(keepLast: 1, TimeSpan.Zero), null, CancellationToken.None);
        await Site.Operations().PromoteAsync(ids[1], force: false, CancellationToken.None);

        Assert.Equal(ids[0], refused.Release);
        Assert.Equal(ids[1], await Site.LiveAsync());
        Assert.Null((await new ReleaseStore(Site.Store).ReadLiveAsync(CancellationToken.None)).Pointer!.Deleting);
        Assert.Equal([ids[1], ids[3], ids[4]], await Site.ReleasesAsync());
        await AssertAllWholeAsync();
    }

    /// <summary>The same moment for a pin: it waits for cleanup's lease, then finds the release gone and pins nothing.</summary>
    [Fact(Timeout = Timeout)]
    public async Task Run_OldReleasePinnedAfterCleanupsLastLook_WaitsAndIsRefusedNoPinLeft()
    {
        var ids = await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? pin = null;
        var interleaved = new InterleavingStore(Site.Store, StoreLayout.PinsPrefix, 2, async () =>
        {
            var pins = new ReleasePins(new LeaseContentionSignal(Site.Store, blocked), Site.Clock);
            pin = Task.Run(() => pins.PinAsync(ids[0], "keep this one", CancellationToken.None));
            await Task.WhenAny(blocked.Task, pin);
        });

        await Site.Cleanup(interleaved).RunAsync(Rules(keepLast: 1, TimeSpan.Zero), null, CancellationToken.None);
        await Site.Clock.AdvanceUntilDoneAsync(pin!, TimeSpan.FromSeconds(1));
        var refused = await Assert.ThrowsAsync<UsageException>(() => pin!);

        Assert.Contains($"release {ids[0]} does not exist", refused.Message);
        Assert.Empty(await Site.KeysAsync(StoreLayout.PinsPrefix));
        await AssertAllWholeAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_PinnedOldRelease_IsKeptUntilUnpinned()
    {
        var ids = await Site.DeployVersionsAsync(4);
        var pins = new ReleasePins(Site.Store, Site.Clock);
        await pins.PinAsync(ids[0], "the launch", CancellationToken.None);
        Site.Clock.Advance(TwoDays);

        await Site.Cleanup().RunAsync(Rules(keepLast: 1), null, CancellationToken.None);
        var whilePinned = await Site.ReleasesAsync();
        Assert.True(await pins.UnpinAsync(ids[0], CancellationToken.None));
        await Site.Cleanup().RunAsync(Rules(keepLast: 1), null, CancellationToken.None);

        Assert.Equal([ids[0], ids[2], ids[3]], whilePinned);
        Assert.Equal([ids[2], ids[3]], await Site.ReleasesAsync());
        await AssertAllWholeAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task Pin_UnknownRelease_IsAUsageErrorAndWritesNothing()
    {
        await Site.DeployVersionsAsync(1);
        var pins = new ReleasePins(Site.Store, Site.Clock);

        var error = await Assert.ThrowsAsync<UsageException>(() => pins.PinAsync(ReleaseId.Parse("20200101-000000-abcdef"), null, CancellationToken.None));

        Assert.Contains("release 20200101-000000-abcdef does not exist", error.Message);
        Assert.Empty(await Site.KeysAsync(StoreLayout.PinsPrefix));
        Assert.False(await pins.UnpinAsync(ReleaseId.Parse("20200101-000000-abcdef"), CancellationToken.None));
    }

    [Fact(Timeout = Timeout)]
    public async Task Plan_DeletesNothingAndNamesExactlyWhatRunThenDeletes()
    {
        await Site.DeployVersionsAsync(5);
        Site.Clock.Advance(TwoDays);
        var before = await AllKeysAsync();

        var plan = await Site.Cleanup().PlanAsync(Rules(keepLast: 2), CancellationToken.None);
        var afterPlan = await AllKeysAsync();
        var result = await Site.Cleanup().RunAsync(Rules(keepLast: 2), null, CancellationToken.None);

        Assert.Equal(before, afterPlan);
        var planned = plan.ReleasesToDelete.Select(r => StoreLayout.Release(r.Id)).Concat(plan.BlobsToDelete.Select(b => StoreLayout.Blob(b.Hash)));
        Assert.Equal(before.Except(await AllKeysAsync()).Order(StringComparer.Ordinal), planned.Order(StringComparer.Ordinal));
        Assert.Equal(plan.Bytes, result.BytesFreed);
        Assert.True(plan.Bytes > 0);
    }

    /// <summary>12 objects to delete: 4 manifests, then 8 blobs.</summary>
    [Theory(Timeout = Timeout)]
    [InlineData(1, true, 1, 0)]
    [InlineData(4, true, 4, 0)]
    [InlineData(7, true, 4, 3)]
    [InlineData(12, false, 4, 8)]
    [InlineData(100, false, 4, 8)]
    public async Task Run_MaxDelete_StopsThereSaysSoAndTheNextRunFinishes(int maxDelete, bool stopped, int releases, int blobs)
    {
        await Site.DeployVersionsAsync(6);
        Site.Clock.Advance(TwoDays);

        var result = await Site.Cleanup().RunAsync(Rules(keepLast: 2) with { MaxDelete = maxDelete }, null, CancellationToken.None);

        Assert.Equal((stopped, releases, blobs), (result.StoppedAtLimit, result.ReleasesDeleted, result.BlobsDeleted));
        Assert.Equal(stopped ? 12 - maxDelete : 0, result.ReleasesRemaining + result.BlobsRemaining);
        await AssertAllWholeAsync();
        var rest = await Site.Cleanup().RunAsync(Rules(keepLast: 2), null, CancellationToken.None);
        Assert.Equal(12 - result.ObjectsDeleted, rest.ObjectsDeleted);
        await AssertCleanAsync(keptReleases: 2);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_ManyBlobs_DeletesInBatchesOfAtMostOneThousandAndReportsEach()
    {
        const int orphans = 2_100;
        await Site.DeployVersionsAsync(1);
        await Parallel.ForEachAsync(Enumerable.Range(0, orphans), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await Site.PutOrphanBlobAsync($"orphan {i}"));
        Site.Clock.Advance(TwoDays);
        var recording = new RecordingStore(Site.Store);
        var reports = new List<CleanupProgress>();

        var result = await Site.Cleanup(recording).RunAsync(Rules(keepLast: 1), new SynchronousProgress<CleanupProgress>(reports.Add), CancellationToken.None);

        Assert.Equal(orphans, result.BlobsDeleted);
        Assert.Equal([1000, 1000, 100], recording.Batches.Select(b => b.Count));
        Assert.Equal([1000, 2000, 2100], reports.Where(r => r.Stage == CleanupStage.Blobs).Select(r => r.Deleted));
        await AssertCleanAsync(keptReleases: 1);
    }

    /// <summary>
    /// A crash after any number of deletions (4 manifests, then 8 blobs) leaves the live release and every
    /// kept one whole, and the next run finishes the job.
    /// </summary>
    [Theory(Timeout = Timeout)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(11)]
    public async Task Run_CrashAfterKDeletions_KeptReleasesStayWholeAndTheRerunFinishes(int k)
    {
        var ids = await Site.DeployVersionsAsync(6);
        Site.Clock.Advance(TwoDays);
        var crashing = new CrashingStore(Site.Store, k);

        await Assert.ThrowsAsync<SimulatedCrash>(() => Site.Cleanup(crashing).RunAsync(Rules(keepLast: 2), null, CancellationToken.None));

        Assert.Equal(k, crashing.Deleted);
        Assert.Equal(ids[5], await Site.LiveAsync());
        foreach (var kept in new[] { ids[4], ids[5] })
            Assert.True((await Site.VerifyAsync(VerifyTarget.Release(kept))).Ok, $"{kept} lost a blob after a crash at {k}");
        await AssertAllWholeAsync();
        // A crash while deleting releases leaves the store lease behind; the rerun comes after it expired.
        Site.Clock.Advance(ReleaseLease.Term + ReleaseLease.ClockSkew + TimeSpan.FromSeconds(1));
        var rest = await Site.Cleanup().RunAsync(Rules(keepLast: 2), null, CancellationToken.None);
        Assert.Equal(12 - k, rest.ObjectsDeleted);
        await AssertCleanAsync(keptReleases: 2);
    }

    /// <summary>
    /// Invariant 4 under load: cleanup runs while five deploys and two forced rollbacks race each other
    /// on the same store. Afterwards every kept release verifies deep, and rolling back to each one in
    /// turn makes a live release that verifies whole.
    /// </summary>
    /// <remarks>
    /// Cleanups, deploys and rollbacks contend for the store lease for real here, so they run on the system clock: a
    /// waiter looks again as real time passes, and a holder's lease expires only after minutes of real
    /// time (a fake clock moved on for the waiters would expire the holders' leases too). The site's clock,
    /// which stamps what the store holds, was days in the past for the seeding and is brought to the present.
    /// </remarks>
    [Fact(Timeout = 600_000)]
    public async Task Run_WhileFiveDeploysAndTwoRollbacksRace_EveryKeptReleaseStaysWhole()
    {
        var seeded = await Site.DeployVersionsAsync(8);
        Site.Clock.SetUtcNow(TimeProvider.System.GetUtcNow());
        Assert.True(Site.Clock.GetUtcNow() - Site.Start >= TwoDays);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<T?> Racing<T>(Func<Task<T>> work) where T : class
        {
            await start.Task;
            try
            {
                return await work();
            }
            catch (LiveChangedException)
            {
                return null;
            }
        }

        var deploys = Enumerable.Range(100, 5)
            .Select(n => Task.Run(() => Racing(async () => (object)await Site.DeployAsync(TestSite.Version(n, extraFiles: 150), force: true, clock: TimeProvider.System))))
            .ToList();
        var rollbacks = Enumerable.Range(0, 2)
            .Select(_ => Task.Run(() => Racing(async () => (object)await Site.Operations(clock: TimeProvider.System).RollbackAsync(null, force: true, CancellationToken.None))))
            .ToList();
        var others = Task.WhenAll([.. deploys, .. rollbacks]);
        // Cleanup runs again and again until the others are done, so its steps fall between theirs.
        var cleanups = Task.Run(async () =>
        {
            var results = new List<CleanupResult>();
            do results.Add((await Racing(() => Site.Cleanup(clock: TimeProvider.System).RunAsync(Rules(keepLast: 2), null, CancellationToken.None)))!);
            while (!others.IsCompleted);
            return results;
        });
        start.SetResult();
        await others;
        var runs = await cleanups;

        Assert.True(runs.Sum(r => r.ReleasesDeleted) >= 4, $"cleanup deleted only {runs.Sum(r => r.ReleasesDeleted)} of the {seeded.Count} seeded releases");
        Assert.True(runs.Sum(r => r.BlobsDeleted) > 0);
        await AssertAllWholeAsync();
        foreach (var kept in await Site.ReleasesAsync())
        {
            await Site.Operations().RollbackAsync(kept, force: false, CancellationToken.None);
            Assert.Equal(kept, await Site.LiveAsync());
            var live = await Site.VerifyAsync(VerifyTarget.Live, deep: true);
            Assert.True(live.Ok, $"{kept} is live but cannot be served whole");
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_CorruptManifest_RefusesAndDeletesNothing()
    {
        await Site.DeployVersionsAsync(3);
        await Site.Store.PutAsync(StoreLayout.Release(ReleaseId.Parse("broken")), ObjectContent.FromBytes("{ not json"u8.ToArray(), "application/json"),
            WriteCondition.None, CancellationToken.None);
        Site.Clock.Advance(TwoDays);
        var before = await AllKeysAsync();

        var error = await Assert.ThrowsAsync<CorruptStoreException>(() => Site.Cleanup().RunAsync(Rules(keepLast: 1), null, CancellationToken.None));

        Assert.Contains("releases/broken.json", error.Message);
        Assert.EndsWith("cleanup deleted nothing", error.Message);
        Assert.Equal(before, await AllKeysAsync());
    }

    /// <summary>
    /// A manifest copied under another release's key is foreign, as every other command calls it: cleanup
    /// neither keeps nor deletes by it, it stops (a plan made by it would age, keep and delete a release
    /// under a name that is not its own).
    /// </summary>
    [Fact(Timeout = Timeout)]
    public async Task Run_ManifestCopiedUnderAnotherId_RefusesAndDeletesNothing()
    {
        var ids = await Site.DeployVersionsAsync(3);
        var copy = await ByHand.CopyManifestAsync(Site.Store, ids[0]);
        Site.Clock.Advance(TwoDays);
        var before = await AllKeysAsync();

        var planned = await Assert.ThrowsAsync<CorruptStoreException>(() => Site.Cleanup().PlanAsync(Rules(keepLast: 1), CancellationToken.None));
        var run = await Assert.ThrowsAsync<CorruptStoreException>(() => Site.Cleanup().RunAsync(Rules(keepLast: 1), null, CancellationToken.None));

        Assert.StartsWith($"{new ReleaseStore(Site.Store).Where(StoreLayout.Release(copy))}: the manifest names release {ids[0]}, not copied-by-hand", run.Message);
        Assert.EndsWith("cleanup deleted nothing", run.Message);
        Assert.Equal(run.Message, planned.Message);
        Assert.Equal(before, await AllKeysAsync());
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_CorruptLivePointer_RefusesAndDeletesNothing()
    {
        await Site.DeployVersionsAsync(3);
        await Site.Store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes(Encoding.UTF8.GetBytes("{\"live\":"), "application/json"),
            WriteCondition.None, CancellationToken.None);
        Site.Clock.Advance(TwoDays);
        var before = await AllKeysAsync();

        await Assert.ThrowsAsync<CorruptStoreException>(() => Site.Cleanup().RunAsync(Rules(keepLast: 0), null, CancellationToken.None));

        Assert.Equal(before, await AllKeysAsync());
    }

    private async Task<IReadOnlyList<string>> AllKeysAsync() =>
        [.. (await Site.KeysAsync(StoreLayout.ReleasesPrefix)).Concat(await Site.KeysAsync(StoreLayout.BlobsPrefix)).Concat(await Site.KeysAsync(StoreLayout.LiveKey))];

    private async Task AssertAllWholeAsync()
    {
        var report = await Site.VerifyAsync(VerifyTarget.All, deep: true);
        Assert.True(report.Ok, string.Join("; ", report.Releases.Where(r => !r.Ok).Select(r => $"{r.Id}: {r.ManifestProblem} {string.Join(", ", r.Problems.Select(p => $"{p.Hash.Short} {p.Fault}"))}")));
    }

    /// <summary>Only the kept releases and exactly the blobs they reference are left.</summary>
    private async Task AssertCleanAsync(int keptReleases)
    {
        var releases = await Site.ReleasesAsync();
        Assert.Equal(keptReleases, releases.Count);
        var referenced = new HashSet<string>();
        foreach (var id in releases)
            foreach (var hash in (await Site.ManifestAsync(id)).Blobs) referenced.Add(StoreLayout.Blob(hash));
        Assert.Equal(referenced.Order(StringComparer.Ordinal), (await Site.KeysAsync(StoreLayout.BlobsPrefix)).Order(StringComparer.Ordinal));
        await AssertAllWholeAsync();
    }
}

/// <summary>Reports on the calling thread, so a test sees every report before the run returns.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
