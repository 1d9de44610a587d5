using Jamdeploy.Cdn;
using Jamdeploy.Core.Tests.Invalidation;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Releases;

/// <summary>
/// Once the pointer has moved, every outcome says the new release is live: the read of the release live before
/// (for the CDN diff) failing must not turn a flip into "failed, live unchanged" (exit 1), which a CI retry would
/// answer by flipping back. With no CDN that read is not made at all. The store is real, its faults a layer
/// around it; the CDN is a recorder (nothing local can be told to forget paths).
/// </summary>
public sealed class AfterTheFlipTests : IDisposable
{
    private readonly TempDirectory _dir = new("after-the-flip");
    private readonly LocalDirectoryStore _store;
    private readonly RecordingCdn _cdn = new();

    public AfterTheFlipTests() => _store = new LocalDirectoryStore(_dir.Combine("store"));

    public void Dispose() => _dir.Dispose();

    private async Task<ReleaseId> DeployAsync(IObjectStore store, string stamp, ICdnInvalidator? cdn = null, bool force = false) =>
        (await new Deployer(store, new CdnNotifier(cdn ?? new NoCdn(), false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None)
            .DeployAsync(new DeployRequest(Some.Site(_dir, stamp, stamp)) { Force = force }, null, CancellationToken.None)).Release;

    private ReleaseOperations Operations(IObjectStore store, ICdnInvalidator cdn) =>
        new(new ReleaseStore(store), new CdnNotifier(cdn, false, Logger.None), TimeProvider.System, 10, Logger.None);

    private async Task<LivePointer?> PointerAsync() => (await new ReleaseStore(_store).ReadLiveAsync(CancellationToken.None)).Pointer;

    [Fact(Timeout = 60000)]
    public async Task Rollback_ReadOfThePreviousManifestFailsAfterTheFlip_ReportsTheFlip_CdnForgetsTheWholeSite_RetryIsANoOp()
    {
        var a = await DeployAsync(_store, "a");
        var b = await DeployAsync(_store, "b");
        var faulty = new FaultyStore(_store) { FailGetsOf = StoreLayout.Release(b) };

        var rolledBack = await Operations(faulty, _cdn).RollbackAsync(null, false, CancellationToken.None);
        var retried = await Operations(_store, _cdn).RollbackAsync(null, false, CancellationToken.None);

        Assert.True(faulty.FailedGets > 0);
        Assert.Equal((a, b, false), (rolledBack.Live, rolledBack.Before, rolledBack.AlreadyLive));
        Assert.Equal(["/*"], Assert.Single(_cdn.Requests).Paths);
        Assert.Equal((a, true), (retried.Live, retried.AlreadyLive));
        var pointer = await PointerAsync();
        Assert.Equal(a, pointer!.Live);
        Assert.Equal([a, b, a], pointer.History.Select(e => e.Release));
    }

    [Fact(Timeout = 60000)]
    public async Task Promote_ReadOfThePreviousManifestFailsAfterTheFlip_ReportsTheFlip()
    {
        var a = await DeployAsync(_store, "a");
        var b = await DeployAsync(_store, "b");
        var faulty = new FaultyStore(_store) { FailGetsOf = StoreLayout.Release(b) };

        var promoted = await Operations(faulty, _cdn).PromoteAsync(a, false, CancellationToken.None);
        var retried = await Operations(_store, _cdn).PromoteAsync(a, false, CancellationToken.None);

        Assert.True(faulty.FailedGets > 0);
        Assert.Equal((a, b, false), (promoted.Live, promoted.Before, promoted.AlreadyLive));
        Assert.Equal(["/*"], Assert.Single(_cdn.Requests).Paths);
        Assert.Equal((a, true), (retried.Live, retried.AlreadyLive));
        Assert.Equal([a, b, a], (await PointerAsync())!.History.Select(e => e.Release));
    }

    /// <summary>A forced deploy lands on top of a release it did not plan from, whose manifest it reads only after the flip.</summary>
    [Fact(Timeout = 60000)]
    public async Task DeployForced_OverAConcurrentFlip_ReadOfThatManifestFails_ReportsTheFlip()
    {
        await DeployAsync(_store, "a");
        FaultyStore? faulty = null;
        var racing = new FlipBeforeFirstUpload(_store, async () => faulty!.FailGetsOf = StoreLayout.Release(await DeployAsync(_store, "b")));
        faulty = new FaultyStore(racing);

        var c = await DeployAsync(faulty, "c", _cdn, force: true);

        Assert.True(faulty.FailedGets > 0);
        Assert.Equal(c, (await PointerAsync())!.Live);
        Assert.Equal(["/*"], Assert.Single(_cdn.Requests).Paths);
    }

    /// <summary>#16: a rollback with no CDN has nothing to diff for, so it never reads the release it leaves.</summary>
    [Fact(Timeout = 60000)]
    public async Task Rollback_NoCdn_NeverReadsThePreviousManifest()
    {
        var a = await DeployAsync(_store, "a");
        var b = await DeployAsync(_store, "b");
        var faulty = new FaultyStore(_store) { FailGetsOf = StoreLayout.Release(b) };

        var rolledBack = await Operations(faulty, new NoCdn()).RollbackAsync(null, false, CancellationToken.None);

        Assert.Equal(a, rolledBack.Live);
        // Every read of the previous manifest would have failed: none was made.
        Assert.Equal(0, faulty.FailedGets);
    }

    [Fact(Timeout = 60000)]
    public async Task Rollback_AfterARollback_MovesNothing_RollbackToGoesFurtherBack()
    {
        var a = await DeployAsync(_store, "a");
        var b = await DeployAsync(_store, "b");
        var c = await DeployAsync(_store, "c");
        var operations = Operations(_store, new NoCdn());

        var first = await operations.RollbackAsync(null, false, CancellationToken.None);
        var again = await operations.RollbackAsync(null, true, CancellationToken.None);
        var further = await operations.RollbackAsync(a, false, CancellationToken.None);

        Assert.Equal((b, c), (first.Live, first.Before));
        Assert.True(again.AlreadyLive);
        Assert.Equal(b, again.Live);
        Assert.NotNull(again.RolledBackAt);
        Assert.Equal((a, b), (further.Live, further.Before));
        Assert.Equal([a, b, c, b, a], (await PointerAsync())!.History.Select(e => e.Release));
    }

    /// <summary>
    /// #16: rollback takes no store lease, so two runs of one rollback (a CI retry of one that seemed stuck) can
    /// both read the pointer before either writes it. The one whose swap loses finds the other's rollback to the very
    /// release it meant and says it is done (as a retry after it does), rather than exit 4 or a flip back.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Rollback_TwoRunsRacing_TheSecondFindsTheFirstsRollbackDone()
    {
        var a = await DeployAsync(_store, "a");
        var b = await DeployAsync(_store, "b");
        var held = new Cleanup.HoldingStore(_store, StoreLayout.LiveKey);
        var slow = Task.Run(() => Operations(held, new NoCdn()).RollbackAsync(null, false, CancellationToken.None));
        await Task.WhenAny(held.Holding, slow);

        var fast = await Operations(_store, new NoCdn()).RollbackAsync(null, false, CancellationToken.None);
        held.Release();
        var late = await slow;

        Assert.Equal((a, false), (fast.Live, fast.AlreadyLive));
        Assert.Equal((a, true), (late.Live, late.AlreadyLive));
        Assert.NotNull(late.RolledBackAt);
        Assert.Equal([a, b, a], (await PointerAsync())!.History.Select(e => e.Release));
    }

    /// <summary>
    /// Runs <paramref name="flip"/> once, just before the first blob upload: another deploy flips while this one
    /// uploads (before it takes the store lease for its own flip, which the other deploy needs too).
    /// </summary>
    private sealed class FlipBeforeFirstUpload(IObjectStore inner, Func<Task> flip) : DelegatingStore(inner)
    {
        private int _flipped;

        public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
        {
            if (key.StartsWith(StoreLayout.BlobsPrefix, StringComparison.Ordinal) && Interlocked.Exchange(ref _flipped, 1) == 0)
            {
                await flip();
            }
            return await Inner.PutAsync(key, content, condition, cancellationToken);
        }
    }
}
