using Jamdeploy.Cdn;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Invalidation;

/// <summary>
/// <c>jamdeploy invalidate</c> must resend exactly what the flip sent: the same paths and the same flip time
/// (so the same CloudFront caller reference), found from the pointer history alone.
/// </summary>
public sealed class FlipLookupTests : IDisposable
{
    private readonly TempDirectory _dir = new("flip-lookup");
    private readonly LocalDirectoryStore _store;
    private readonly RecordingCdn _cdn = new();

    public FlipLookupTests() => _store = new LocalDirectoryStore(_dir.Combine("store"));

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 60000)]
    public async Task FindAsync_LiveRelease_PlansTheSameRequestTheDeploySent()
    {
        await DeployAsync(Some.Site(_dir, "v1", "v1"));
        var v2 = await DeployAsync(Some.Site(_dir, "v2", "v2"));

        var flip = await FlipLookup.FindAsync(new ReleaseStore(_store), null, CancellationToken.None);

        var sent = _cdn.Requests[^1];
        Assert.Equal(v2, flip.After.Id);
        Assert.Equal(sent.FlippedAt, flip.At);
        Assert.Equal(sent.Paths, InvalidationPlanner.Plan(flip.Before, flip.After, new InvalidationOptions()).Paths);
    }

    [Fact(Timeout = 60000)]
    public async Task FindAsync_AfterRollback_NamedReleaseComparesWithTheOneLiveBeforeIt()
    {
        var v1 = await DeployAsync(Some.Site(_dir, "v1", "v1"));
        var v2 = await DeployAsync(Some.Site(_dir, "v2", "v2"));
        var operations = new ReleaseOperations(new ReleaseStore(_store), Notifier(), TimeProvider.System, 100, Logger.None);
        await operations.RollbackAsync(null, false, CancellationToken.None);

        var ofV2 = await FlipLookup.FindAsync(new ReleaseStore(_store), v2, CancellationToken.None);
        var ofLive = await FlipLookup.FindAsync(new ReleaseStore(_store), null, CancellationToken.None);

        Assert.Equal((v1, v2), (ofV2.Before!.Id, ofV2.After.Id));
        Assert.Equal((v2, v1), (ofLive.Before!.Id, ofLive.After.Id));
        Assert.Equal(_cdn.Requests[1].FlippedAt, ofV2.At);
        Assert.Equal(_cdn.Requests[2].FlippedAt, ofLive.At);
        Assert.Equal(_cdn.Requests[1].Paths, _cdn.Requests[2].Paths);
    }

    [Fact(Timeout = 60000)]
    public async Task FindAsync_FirstRelease_HasNothingBeforeIt()
    {
        var v1 = await DeployAsync(Some.Site(_dir, "v1", "v1"));

        var flip = await FlipLookup.FindAsync(new ReleaseStore(_store), v1, CancellationToken.None);

        Assert.Null(flip.Before);
        Assert.Equal(["/*"], InvalidationPlanner.Plan(flip.Before, flip.After, new InvalidationOptions()).Paths);
    }

    [Fact(Timeout = 60000)]
    public async Task FindAsync_ReleaseNeverLive_IsAUsageError()
    {
        await DeployAsync(Some.Site(_dir, "v1", "v1"));
        var staged = (await new Deployer(_store, Notifier(), new DeployOptions(), TimeProvider.System, Logger.None)
            .DeployAsync(new DeployRequest(Some.Site(_dir, "v2", "v2")) { Promote = false }, null, CancellationToken.None)).Release;

        var error = await Assert.ThrowsAsync<UsageException>(() => FlipLookup.FindAsync(new ReleaseStore(_store), staged, CancellationToken.None));

        Assert.Contains($"release {staged} is not in the live pointer's history", error.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task FindAsync_NothingLive_IsAUsageError()
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => FlipLookup.FindAsync(new ReleaseStore(_store), null, CancellationToken.None));

        Assert.Contains("no release has been made live", error.Message);
    }

    /// <summary>
    /// Repairing a site whose live manifest went bad by promoting a good release: the flip happens, so the
    /// command succeeds and the CDN forgets the whole site, whose old paths are unknown (it used to flip, then
    /// fail reading the old manifest for the diff: exit 1, which promises the live release is unchanged).
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Promote_AwayFromAnUnreadableLiveManifest_GoesLiveAndInvalidatesTheWholeSite()
    {
        var v1 = await DeployAsync(Some.Site(_dir, "v1", "v1"));
        var v2 = await DeployAsync(Some.Site(_dir, "v2", "v2"));
        await _store.PutAsync(StoreLayout.Release(v2), ObjectContent.FromBytes("{ not json"u8.ToArray(), "application/json"), WriteCondition.None, CancellationToken.None);
        var releases = new ReleaseStore(_store);
        var operations = new ReleaseOperations(releases, Notifier(), TimeProvider.System, 100, Logger.None);

        var promoted = await operations.PromoteAsync(v1, force: false, CancellationToken.None);
        var resent = await FlipLookup.FindAsync(releases, v1, CancellationToken.None);

        Assert.Equal((v1, v2), (promoted.Live, promoted.Before));
        Assert.Equal(v1, (await releases.ReadLiveAsync(CancellationToken.None)).Live);
        Assert.Equal(["/*"], _cdn.Requests[^1].Paths);
        Assert.Null(resent.Before);
    }

    private CdnNotifier Notifier() => new(_cdn, false, Logger.None);

    private async Task<ReleaseId> DeployAsync(string site) =>
        (await new Deployer(_store, Notifier(), new DeployOptions(), TimeProvider.System, Logger.None)
            .DeployAsync(new DeployRequest(site), null, CancellationToken.None)).Release;
}
