using System.Text;
using Jamdeploy.Core.Tests.Cleanup;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.Verification;

namespace Jamdeploy.Core.Tests.Verification;

/// <summary>What <c>jamdeploy verify</c> promises, against every store: it finds every blob a release cannot serve.</summary>
public abstract class ReleaseVerifierContract : IAsyncLifetime
{
    // Only there to end a hang: the S3 run of this contract talks to moto, which a machine with every core
    // busy can slow several-fold.
    private const int Timeout = 300_000;
    private TestSite? _site;

    protected TestSite Site => _site ?? throw new InvalidOperationException("not initialised");

    protected abstract Task<IObjectStore> CreateEmptyStoreAsync();

    public async Task InitializeAsync() => _site = new TestSite(await CreateEmptyStoreAsync());

    public virtual Task DisposeAsync()
    {
        _site?.Dispose();
        return Task.CompletedTask;
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Verify_EveryBlobStored_IsOk(bool deep)
    {
        var ids = await Site.DeployVersionsAsync(3);

        var live = await Site.VerifyAsync(VerifyTarget.Live, deep);
        var all = await Site.VerifyAsync(VerifyTarget.All, deep);

        Assert.True(live.Ok);
        Assert.Equal([(ids[2], true, 3, 3)], live.Releases.Select(r => (r.Id, r.IsLive, r.Files, r.Blobs)));
        Assert.True(all.Ok);
        Assert.Equal(ids, all.Releases.Select(r => r.Id));
        // Three releases of three files share one stylesheet: seven blobs, each checked once.
        Assert.Equal(7, all.BlobsChecked);
        Assert.Equal(deep, all.BytesHashed > 0);
    }

    /// <summary>The scheduled cleanup verifies every kept release: presence and size come from listing pages, not a HEAD per blob.</summary>
    [Fact(Timeout = Timeout)]
    public async Task Verify_ShallowOfManyBlobs_ListsTheBlobsInsteadOfAHeadEach()
    {
        await Site.DeployVersionsAsync(3);
        var counting = new CountingStore(Site.Store);

        var report = await new ReleaseVerifier(counting).VerifyAsync(VerifyTarget.All, deep: false, CancellationToken.None);

        Assert.True(report.Ok);
        Assert.Equal(7, report.BlobsChecked);
        Assert.Equal(0, counting.Counts.Heads);
    }

    /// <summary>A pointer carrying another tree's digest would let a deploy of that tree pass for a no-op.</summary>
    [Fact(Timeout = Timeout)]
    public async Task Verify_PointerDigestNotTheLiveReleases_IsReportedAndPromoteRepairsIt()
    {
        var ids = await Site.DeployVersionsAsync(2);
        var releases = new ReleaseStore(Site.Store);
        var state = await releases.ReadLiveAsync(CancellationToken.None);
        var wrong = state.Pointer! with { LiveDigest = new ReleaseDigest(ids[1], ContentHash.Of("another tree"u8)) };
        Assert.True((await releases.WritePointerAsync(wrong, state.ETag, CancellationToken.None)).Written);

        var broken = await Site.VerifyAsync(VerifyTarget.Live, deep: false);
        var promoted = await Site.Operations().PromoteAsync(ids[1], force: false, CancellationToken.None);
        var repaired = await Site.VerifyAsync(VerifyTarget.Live, deep: false);

        Assert.False(broken.Ok);
        Assert.Equal($"live.json records a content digest that is not {ids[1]}'s; `jamdeploy promote {ids[1]}` rewrites it", broken.Releases.Single().ManifestProblem);
        Assert.False(promoted.AlreadyLive);
        Assert.True(repaired.Ok);
        Assert.Equal(ids[1], await Site.LiveAsync());
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Verify_BlobMissing_NamesItAndThePathsThatBreak(bool deep)
    {
        var ids = await Site.DeployVersionsAsync(2);
        var css = (await Site.ManifestAsync(ids[1])).Files["/assets/site.css"].Hash;
        await Site.Store.DeleteAsync([StoreLayout.Blob(css)], CancellationToken.None);

        var report = await Site.VerifyAsync(VerifyTarget.All, deep);

        Assert.False(report.Ok);
        Assert.All(report.Releases, r =>
        {
            var problem = Assert.Single(r.Problems);
            Assert.Equal((css, BlobFault.Missing, "/assets/site.css"), (problem.Hash, problem.Fault, Assert.Single(problem.Paths)));
        });
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_BlobWithOtherBytesOfTheSameSize_OnlyTheDeepCheckFindsIt()
    {
        var ids = await Site.DeployVersionsAsync(1);
        var index = (await Site.ManifestAsync(ids[0])).Files["/index.html"];
        var forged = Encoding.UTF8.GetBytes(new string('x', (int)index.Size));
        await Site.Store.PutAsync(StoreLayout.Blob(index.Hash), ObjectContent.FromBytes(forged, "text/html"), WriteCondition.None, CancellationToken.None);

        var shallow = await Site.VerifyAsync(VerifyTarget.Live, deep: false);
        var deep = await Site.VerifyAsync(VerifyTarget.Live, deep: true);

        Assert.True(shallow.Ok);
        var problem = Assert.Single(Assert.Single(deep.Releases).Problems);
        Assert.Equal((index.Hash, BlobFault.WrongContent), (problem.Hash, problem.Fault));
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_BlobOfAnotherSize_TheShallowCheckFindsIt()
    {
        var ids = await Site.DeployVersionsAsync(1);
        var index = (await Site.ManifestAsync(ids[0])).Files["/index.html"];
        await Site.Store.PutAsync(StoreLayout.Blob(index.Hash), ObjectContent.FromBytes("short"u8.ToArray(), "text/html"), WriteCondition.None, CancellationToken.None);

        var report = await Site.VerifyAsync(VerifyTarget.Release(ids[0]), deep: false);

        Assert.Equal(BlobFault.WrongSize, Assert.Single(Assert.Single(report.Releases).Problems).Fault);
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_All_PointerNamesAReleaseWhoseManifestIsGone_ReportsIt()
    {
        var ids = await Site.DeployVersionsAsync(2);
        await Site.Store.DeleteAsync([StoreLayout.Release(ids[1])], CancellationToken.None);

        var report = await Site.VerifyAsync(VerifyTarget.All, deep: false);

        var live = Assert.Single(report.Releases, r => r.IsLive);
        Assert.Equal(ids[1], live.Id);
        Assert.Contains("is missing", live.ManifestProblem);
        Assert.False(report.Ok);
    }

    /// <summary>
    /// A manifest copied under another release's key (the reproduced defect: verify said ok, promote said
    /// corrupt). Every reader now refuses it in the same words, and nothing is written on the way.
    /// </summary>
    [Fact(Timeout = Timeout)]
    public async Task Readers_ManifestCopiedUnderAnotherId_AllCallItForeignInTheSameWordsAndWriteNothing()
    {
        var ids = await Site.DeployVersionsAsync(2);
        var copy = await ByHand.CopyManifestAsync(Site.Store, ids[0]);
        var keys = (await Site.KeysAsync("")).Order(StringComparer.Ordinal).ToList();

        var all = await Site.VerifyAsync(VerifyTarget.All, deep: false);
        var one = await Site.VerifyAsync(VerifyTarget.Release(copy), deep: false);
        var promote = await Assert.ThrowsAsync<CorruptStoreException>(() => Site.Operations().PromoteAsync(copy, force: false, CancellationToken.None));
        var pin = await Assert.ThrowsAsync<CorruptStoreException>(() => new Jamdeploy.Cleanup.ReleasePins(Site.Store, Site.Clock).PinAsync(copy, null, CancellationToken.None));
        var list = await Assert.ThrowsAsync<CorruptStoreException>(() => Site.Operations().ListAsync(CancellationToken.None));

        var expected = $"{new ReleaseStore(Site.Store).Where(StoreLayout.Release(copy))}: the manifest names release {ids[0]}, not copied-by-hand";
        Assert.False(all.Ok);
        Assert.Equal(ids, all.Releases.Where(r => r.Ok).Select(r => r.Id));
        var reported = Assert.Single(all.Releases, r => !r.Ok && r.Id == copy).ManifestProblem;
        Assert.StartsWith(expected, reported);
        Assert.Equal(reported, Assert.Single(one.Releases).ManifestProblem);
        Assert.Equal(reported, promote.Message);
        Assert.Equal(reported, pin.Message);
        Assert.Equal(reported, list.Message);
        Assert.Equal(keys, (await Site.KeysAsync("")).Order(StringComparer.Ordinal));
        Assert.Equal(ids[1], await Site.LiveAsync());
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_UnknownRelease_IsAUsageError()
    {
        await Site.DeployVersionsAsync(1);

        var error = await Assert.ThrowsAsync<UsageException>(() => Site.VerifyAsync(VerifyTarget.Release(ReleaseId.Parse("nope"))));

        Assert.Contains("release nope does not exist", error.Message);
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_LiveWhenNothingIsLive_IsAUsageError()
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => Site.VerifyAsync(VerifyTarget.Live));

        Assert.Contains("nothing is live", error.Message);
    }
}
