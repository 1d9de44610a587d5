using System.Security.Cryptography;
using Jamdeploy.Cdn;
using Jamdeploy.Core.Tests.Invalidation;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Planning;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Deploying;

public sealed class DeployerTests : IDisposable
{
    private readonly TempDirectory _dir = new("deployer");
    private readonly LocalDirectoryStore _local;

    public DeployerTests() => _local = new LocalDirectoryStore(_dir.Combine("store"));

    public void Dispose() => _dir.Dispose();

    private static Deployer DeployerFor(IObjectStore store) =>
        new(store, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions { UploadConcurrency = 4 }, TimeProvider.System, Logger.None);

    private Task<DeployResult> DeployAsync(IObjectStore store, string site, bool promote = true) =>
        DeployerFor(store).DeployAsync(new DeployRequest(site) { Promote = promote }, null, CancellationToken.None);

    private byte[]? LiveBytes() => File.Exists(_dir.Combine("store", StoreLayout.LiveKey)) ? File.ReadAllBytes(_dir.Combine("store", StoreLayout.LiveKey)) : null;

    /// <summary>
    /// Invariant 1: fail each write of a deploy in turn (every blob, the manifest, the pointer); the
    /// pointer is never changed by a deploy that failed, so it never names a release with anything missing.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Deploy_FailingAtEveryWriteBeforeTheFlip_LeavesLivePointerUntouched()
    {
        var v1 = Some.Site(_dir, "v1", "v1");
        var v2 = Some.Site(_dir, "v2", "v2");
        const int writes = 4 /* changed blobs */ + 1 /* manifest */ + 1 /* pointer */;

        for (var failAt = 1; failAt <= writes; failAt++)
        {
            var store = new LocalDirectoryStore(_dir.Combine($"store{failAt}"));
            await DeployAsync(store, v1);
            var live = File.ReadAllBytes(_dir.Combine($"store{failAt}", "live.json"));
            var faulty = new FaultyStore(store) { FailPutNumber = failAt };

            await Assert.ThrowsAsync<StoreException>(() => DeployAsync(faulty, v2));

            Assert.Equal(live, File.ReadAllBytes(_dir.Combine($"store{failAt}", "live.json")));
            await AssertLiveReleaseIsWholeAsync(store);
            Assert.Equal(DeployOutcome.Live, (await DeployAsync(store, v2)).Outcome);
            await AssertLiveReleaseIsWholeAsync(store);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_FailingToStoreAnyBlob_NeverWritesTheManifestOrPointer()
    {
        var faulty = new FaultyStore(_local) { FailPutsUnder = StoreLayout.BlobsPrefix };
        await Assert.ThrowsAsync<StoreException>(() => DeployAsync(faulty, Some.Site(_dir)));
        Assert.Null(LiveBytes());
        Assert.False(Directory.Exists(_dir.Combine("store", "releases")));
    }

    /// <summary>Invariant 2 at manifest level: every path of every release resolves, through that release only, to the bytes deployed.</summary>
    [Fact(Timeout = 60000)]
    public async Task Releases_EveryPathResolvesThroughItsOwnManifestToItsOwnBytes()
    {
        var sites = new[] { "r1", "r2", "r3" }.Select(stamp => Some.Site(_dir, stamp, stamp)).ToList();
        var ids = new List<Jamdeploy.Model.ReleaseId>();
        foreach (var site in sites) ids.Add((await DeployAsync(_local, site)).Release);

        var releases = new ReleaseStore(_local);
        for (var i = 0; i < sites.Count; i++)
        {
            var manifest = (await releases.TryReadManifestAsync(ids[i], CancellationToken.None))!;
            Assert.Equal(6, manifest.Files.Count);
            foreach (var (path, entry) in manifest.Files)
            {
                var expected = File.ReadAllBytes(Path.Combine(sites[i], path.TrimStart('/')));
                await using var blob = (await _local.OpenReadAsync(StoreLayout.Blob(entry.Hash), null, CancellationToken.None))!;
                using var copy = new MemoryStream();
                await blob.CopyToAsync(copy);
                Assert.Equal(expected, copy.ToArray());
                Assert.Equal(expected.Length, entry.Size);
            }
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_FileChangedAfterHashing_IsRejectedByTheStoreAndNothingGoesLive()
    {
        var site = Some.Site(_dir);
        var racing = new RewritingStore(_local, Path.Combine(site, "css", "site.css"));
        var e = await Assert.ThrowsAsync<StoreException>(() => DeployAsync(racing, site));
        Assert.Contains("content changed while it was being stored", e.Message);
        Assert.Null(LiveBytes());
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_NoPromote_WritesTheReleaseButNotThePointer()
    {
        var result = await DeployAsync(_local, Some.Site(_dir), promote: false);
        Assert.Equal(DeployOutcome.Staged, result.Outcome);
        Assert.Null(LiveBytes());
        Assert.NotNull(await new ReleaseStore(_local).TryReadManifestAsync(result.Release, CancellationToken.None));
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_IdenticalTree_ReadsOnlyThePointerAndWritesNothing()
    {
        var site = Some.Site(_dir);
        await DeployAsync(_local, site);
        var counting = new CountingStore(_local);

        var result = await DeployAsync(counting, site);

        Assert.Equal(DeployOutcome.Unchanged, result.Outcome);
        Assert.Equal((1L, 0L, 0L, 0L), (counting.Counts.Gets, counting.Counts.Puts, counting.Counts.Heads, counting.Counts.Lists));
    }

    /// <summary>
    /// Issue #16: a 1 % change costs requests in proportion to what changed, not to the site: no listing of the site's
    /// 2,000 blobs page after page, and no HEAD either (the changed blobs go with a conditional write, which says
    /// whether one was stored already: a round trip less), and the few documents every deploy reads and writes
    /// (pointer, lease, live manifest; blobs, manifest, lease, pointer, lease).
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task Deploy_OnePercentChangeOfALargeSite_LooksUpOnlyTheChangedBlobsAndListsNothing()
    {
        const int files = 2000, changed = 20;
        for (var i = 0; i < files; i++) _dir.Write($"large/page{i}.html", $"page {i}");
        var deployer = new Deployer(_local, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None);
        await deployer.DeployAsync(new DeployRequest(_dir.Combine("large")), null, CancellationToken.None);
        for (var i = 0; i < files; i += files / changed) _dir.Write($"large/page{i}.html", $"page {i}, edited");
        var counting = new CountingStore(_local);

        var result = await new Deployer(counting, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None)
            .DeployAsync(new DeployRequest(_dir.Combine("large")), null, CancellationToken.None);

        Assert.Equal(DeployOutcome.Live, result.Outcome);
        Assert.Equal(changed, result.Plan!.Uploads.Count);
        Assert.Equal((3L, 0L, 0L, changed + 4L), (counting.Counts.Gets, counting.Counts.Heads, counting.Counts.Lists, counting.Counts.Puts));
    }

    /// <summary>
    /// Issue #16: a changed file whose content the store holds already (an interrupted deploy sent it) is found by its
    /// refused conditional write, not by a HEAD first: not stored twice, and reported as reused, not as uploaded.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Deploy_ChangedContentStoredAlready_IsFoundByItsConditionalWriteAndReportedReused()
    {
        var site = Some.Site(_dir, "v1", "v1");
        await DeployAsync(_local, site);
        File.WriteAllText(Path.Combine(site, "index.html"), "sent by a deploy that was killed");
        var arrived = ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes("sent by a deploy that was killed"), "text/html");
        await _local.PutAsync(StoreLayout.Blob(arrived.Sha256), arrived, WriteCondition.IfAbsent, CancellationToken.None);
        var counting = new CountingStore(_local);

        var result = await DeployAsync(counting, site);

        Assert.Equal(DeployOutcome.Live, result.Outcome);
        Assert.Equal(0L, counting.Counts.Heads + counting.Counts.Lists);
        Assert.Equal(1L + 4, counting.Counts.Puts); // the refused blob; manifest, lease, pointer, lease
        Assert.Empty(result.Plan!.Uploads);
        Assert.Equal(0, result.UploadedBlobs);
        var index = result.Plan.Files.Single(f => f.SitePath == "/index.html");
        Assert.Equal((FileChange.Changed, BlobAction.Reuse, DeployPlan.AlreadyStored), (index.Change, index.Action, index.Reason));
    }

    /// <summary>
    /// Issue #16: after the flip the lease is given back while the CDN is told, not before it: neither waits for the
    /// other. The store holds the give-back until the CDN has been asked (up to a minute: a deploy that gives the
    /// lease back first never asks it meanwhile).
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task Deploy_AfterTheFlip_GivesTheLeaseBackWhileTheCdnIsTold()
    {
        var cdn = new RecordingCdn();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cdn.OnInvalidate = () => asked.TrySetResult();
        var site = Some.Site(_dir, "v1", "v1");
        await DeployAsync(_local, site);
        File.WriteAllText(Path.Combine(site, "index.html"), "changed");
        var store = new LeaseGiveBackGate(_local, asked.Task);

        var result = await new Deployer(store, new CdnNotifier(cdn, false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None)
            .DeployAsync(new DeployRequest(site), null, CancellationToken.None);

        Assert.Equal(DeployOutcome.Live, result.Outcome);
        Assert.True(store.CdnAskedBeforeGiveBack, "the lease was given back before the CDN was told");
    }

    /// <summary>A store last flipped by a jamdeploy from before the pointer carried a digest.</summary>
    [Fact(Timeout = 60000)]
    public async Task Deploy_IdenticalTreeUnderAPointerWithoutDigest_ComparesManifestsAndIsUnchanged()
    {
        var site = Some.Site(_dir);
        await DeployAsync(_local, site);
        var releases = new ReleaseStore(_local);
        var live = await releases.ReadLiveAsync(CancellationToken.None);
        await releases.WritePointerAsync(live.Pointer! with { LiveDigest = null }, live.ETag, CancellationToken.None);
        var counting = new CountingStore(_local);

        var unchanged = await DeployAsync(counting, site);
        File.WriteAllText(Path.Combine(site, "index.html"), "changed");
        var changed = await DeployAsync(_local, site);

        Assert.Equal(DeployOutcome.Unchanged, unchanged.Outcome);
        Assert.Equal((2L, 0L), (counting.Counts.Gets, counting.Counts.Puts));
        Assert.Equal(DeployOutcome.Live, changed.Outcome);
    }

    /// <summary>
    /// An operator moved live.json by hand to an older release and left the digest of the newer one: the
    /// digest names its own release, so it is not believed, and the newer tree deploys.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Deploy_PointerEditedByHandToAnotherRelease_DoesNotTrustTheDigestLeftBehind()
    {
        var v1 = Some.Site(_dir, "v1", "v1");
        var v2 = Some.Site(_dir, "v2", "v2");
        var first = await DeployAsync(_local, v1);
        await DeployAsync(_local, v2);
        var pointer = (await new ReleaseStore(_local).ReadLiveAsync(CancellationToken.None)).Pointer!;
        File.WriteAllBytes(_dir.Combine("store", StoreLayout.LiveKey), StoreDocuments.Serialize(pointer with { Live = first.Release }));

        var redeploy = await DeployAsync(_local, v2);

        Assert.Equal(DeployOutcome.Live, redeploy.Outcome);
        Assert.Equal(first.Release, redeploy.PreviousLive);
    }

    /// <summary>Rollback and promote read releases back from the store and digest them: paths the culture orders differently must not break that.</summary>
    [Fact(Timeout = 60000)]
    public async Task Rollback_OfASiteWithUnderscoreAndDigitPaths_MakesThePreviousReleaseLive()
    {
        var v1 = Some.Site(_dir, "v1", "v1");
        var v2 = Some.Site(_dir, "v2", "v2");
        foreach (var site in new[] { v1, v2 })
        {
            File.WriteAllText(Path.Combine(site, "404.html"), "missing");
            Directory.CreateDirectory(Path.Combine(site, "_next"));
            File.WriteAllText(Path.Combine(site, "_next", "app.js"), Path.GetFileName(site));
        }
        var first = await DeployAsync(_local, v1);
        await DeployAsync(_local, v2);
        var operations = new ReleaseOperations(new ReleaseStore(_local), new CdnNotifier(new NoCdn(), false, Logger.None), TimeProvider.System, 10, Logger.None);

        var rolledBack = await operations.RollbackAsync(null, false, CancellationToken.None);

        Assert.Equal(first.Release, rolledBack.Live);
        Assert.Equal(DeployOutcome.Unchanged, (await DeployAsync(_local, v1)).Outcome);
    }

    [Fact(Timeout = 60000)]
    public async Task Promote_TheLiveRelease_IsAlreadyLiveAndWritesNothing()
    {
        var live = await DeployAsync(_local, Some.Site(_dir));
        var before = LiveBytes();
        var operations = new ReleaseOperations(new ReleaseStore(_local), new CdnNotifier(new NoCdn(), false, Logger.None), TimeProvider.System, 10, Logger.None);

        var result = await operations.PromoteAsync(live.Release, false, CancellationToken.None);

        Assert.True(result.AlreadyLive);
        Assert.Equal(before, LiveBytes());
    }

    /// <summary>
    /// The pointer's digest always belongs to the release it names, whoever moved it: a stale digest would
    /// let a deploy of a changed folder be taken for a no-op, and the change would never go live.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Flips_PointerDigestIsAlwaysTheLiveReleases_SoOnlyTheLiveTreeIsANoOp()
    {
        var v1 = Some.Site(_dir, "v1", "v1");
        var v2 = Some.Site(_dir, "v2", "v2");
        var releases = new ReleaseStore(_local);
        var operations = new ReleaseOperations(releases, new CdnNotifier(new NoCdn(), false, Logger.None), TimeProvider.System, 10, Logger.None);

        await DeployAsync(_local, v1);
        await AssertPointerDigestIsLiveAsync();
        var second = await DeployAsync(_local, v2);
        await AssertPointerDigestIsLiveAsync();
        await operations.RollbackAsync(null, false, CancellationToken.None);
        await AssertPointerDigestIsLiveAsync();

        Assert.Equal(DeployOutcome.Unchanged, (await DeployAsync(_local, v1)).Outcome);
        Assert.Equal(DeployOutcome.Live, (await DeployAsync(_local, v2)).Outcome);
        await AssertPointerDigestIsLiveAsync();
        await operations.PromoteAsync(second.Release, false, CancellationToken.None);
        await AssertPointerDigestIsLiveAsync();

        async Task AssertPointerDigestIsLiveAsync()
        {
            var state = await releases.ReadLiveAsync(CancellationToken.None);
            var live = await releases.ReadLiveManifestAsync(state.Live!.Value, CancellationToken.None);
            Assert.Equal(new ReleaseDigest(live.Id, live.ContentDigest()), state.Pointer!.LiveDigest);
        }
    }

    private static async Task AssertLiveReleaseIsWholeAsync(LocalDirectoryStore store)
    {
        var releases = new ReleaseStore(store);
        var state = await releases.ReadLiveAsync(CancellationToken.None);
        if (state.Live is not { } live) return;
        var manifest = await releases.ReadLiveManifestAsync(live, CancellationToken.None);
        foreach (var entry in manifest.Files.Values)
        {
            var blob = File.ReadAllBytes(Path.Combine(store.Location, "blobs", entry.Hash.Hex));
            Assert.Equal(entry.Hash.Hex, Convert.ToHexStringLower(SHA256.HashData(blob)));
        }
    }

    /// <summary>Rewrites a file just before its blob is stored: a build still writing while the deploy runs.</summary>
    private sealed class RewritingStore(IObjectStore inner, string file) : IObjectStore
    {
        public string Location => inner.Location;
        public Task<StoredObject?> GetAsync(string key, CancellationToken ct) => inner.GetAsync(key, ct);
        public Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken ct) => inner.OpenReadAsync(key, range, ct);
        public Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct) => inner.HeadAsync(key, ct);
        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct) => inner.ListAsync(prefix, ct);
        public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken ct) => inner.DeleteAsync(keys, ct);

        public Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken ct)
        {
            if (content.FilePath == file) File.WriteAllText(file, "body{color:red}");
            return inner.PutAsync(key, content, condition, ct);
        }
    }

    /// <summary>Holds the second write of lease.json (a deploy's give-back, after its take) until <c>until</c> completes, a minute at most.</summary>
    private sealed class LeaseGiveBackGate(IObjectStore inner, Task until) : DelegatingStore(inner)
    {
        private int _leaseWrites;

        public bool CdnAskedBeforeGiveBack { get; private set; }

        public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
        {
            if (key == StoreLayout.LeaseKey && Interlocked.Increment(ref _leaseWrites) == 2)
            {
                await Task.WhenAny(until, Task.Delay(TimeSpan.FromMinutes(1), cancellationToken));
                CdnAskedBeforeGiveBack = until.IsCompleted;
            }
            return await Inner.PutAsync(key, content, condition, cancellationToken);
        }
    }
}
