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
/// What a deploy reports when the steps after its flip (the edge pointer, then the CDN invalidation) do not
/// finish: every step left undone is named with the command that finishes it, in one message. The edge pointer
/// and the CDN are stubs (a KeyValueStore write that fails or is interrupted on cue is what no local part can do);
/// the deploy, the store and live.json are real.
/// </summary>
public sealed class AfterFlipTests : IDisposable
{
    private readonly TempDirectory _dir = new("after-flip");
    private readonly LocalDirectoryStore _store;
    private readonly CancellationTokenSource _ctrlC = new();
    private readonly StubEdge _edge = new();
    private readonly RecordingCdn _cdn = new();

    public AfterFlipTests() => _store = new LocalDirectoryStore(_dir.Combine("store"));

    public void Dispose()
    {
        _ctrlC.Dispose();
        _dir.Dispose();
    }

    private CdnNotifier Notifier() => new(_cdn, false, Logger.None) { Edge = new EdgePointerSync(_edge, new ReleaseStore(_store), Logger.None) };

    private Task<DeployResult> DeployAsync(string site) =>
        new Deployer(_store, Notifier(), new DeployOptions(), TimeProvider.System, Logger.None)
            .DeployAsync(new DeployRequest(site), null, _ctrlC.Token);

    private async Task<ReleaseId?> LiveAsync() => (await new ReleaseStore(_store).ReadLiveAsync(CancellationToken.None)).Live;

    [Fact(Timeout = 60000)]
    public async Task CtrlCDuringTheEdgeWrite_Exit130_EdgePointerUnfinished_NamesSyncEdgeAndInvalidate()
    {
        _edge.OnWrite = () => _ctrlC.Cancel();

        var e = await Assert.ThrowsAsync<CancelledAfterFlipException>(() => DeployAsync(Some.Site(_dir, "v1", "v1")));

        Assert.Equal(await LiveAsync(), e.Live);
        Assert.Equal(ExitCodes.Cancelled, e.ExitCode);
        Assert.Equal(EdgePointerFailedException.Step, e.Unfinished);
        Assert.Contains("`jamdeploy sync-edge`", e.Message);
        Assert.Contains($"`jamdeploy invalidate --release {e.Live}`", e.Message);
        Assert.Empty(_cdn.Requests);
    }

    [Fact(Timeout = 60000)]
    public async Task EdgeWriteFails_ThenCtrlCDuringTheInvalidation_Exit130_NamesBothRepairs()
    {
        _edge.OnWrite = () => throw new InvalidOperationException("the KeyValueStore answered 403 AccessDeniedException");
        _cdn.OnInvalidate = () => _ctrlC.Cancel();

        var e = await Assert.ThrowsAsync<CancelledAfterFlipException>(() => DeployAsync(Some.Site(_dir, "v1", "v1")));

        Assert.Equal(ExitCodes.Cancelled, e.ExitCode);
        Assert.Equal(EdgePointerFailedException.Step, e.Unfinished);
        Assert.Contains("`jamdeploy sync-edge`", e.Message);
        Assert.Contains($"`jamdeploy invalidate --release {e.Live}`", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task EdgeWriteFails_AndTheInvalidationFails_Exit3_OneMessageNamingBothRepairs()
    {
        _edge.OnWrite = () => throw new InvalidOperationException("the KeyValueStore answered 403 AccessDeniedException");
        _cdn.OnInvalidate = () => throw new InvalidOperationException("CloudFront answered 403 AccessDenied");

        var e = await Assert.ThrowsAsync<EdgePointerFailedException>(() => DeployAsync(Some.Site(_dir, "v1", "v1")));

        Assert.Equal(await LiveAsync(), e.Live);
        Assert.Equal(ExitCodes.InvalidationFailed, e.ExitCode);
        Assert.Contains("403 AccessDeniedException", e.Message);
        Assert.Contains("CloudFront answered 403 AccessDenied", e.Message);
        Assert.Contains("`jamdeploy sync-edge`", e.Message);
        Assert.Contains($"`jamdeploy invalidate --release {e.Live}`", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAnOlderFlip_TellsTheCdn_LeavesTheEdgePointerAlone()
    {
        // `jamdeploy invalidate --release <older>` resends an old flip's paths; the edge pointer is not its
        // business (`jamdeploy sync-edge` is), and a failure there must not be reported as "<older> is live".
        var v1 = (await DeployAsync(Some.Site(_dir, "v1", "v1"))).Release;
        await DeployAsync(Some.Site(_dir, "v2", "v2"));
        _edge.Calls.Clear();
        _edge.OnWrite = () => throw new InvalidOperationException("the edge must not be written");
        var notifier = Notifier();
        var flip = await FlipLookup.FindAsync(new ReleaseStore(_store), v1, CancellationToken.None);

        await notifier.InvalidateAsync(flip.Before, flip.After, flip.At, CancellationToken.None);

        Assert.Equal(v1, _cdn.Requests[^1].Release);
        Assert.Empty(_edge.Calls);
    }

    /// <summary>An edge pointer in memory; <see cref="OnWrite"/> runs before each write lands (and may cancel or throw).</summary>
    private sealed class StubEdge : IEdgePointer
    {
        private int _version;
        private string? _value;

        public Action? OnWrite { get; set; }

        public List<string> Calls { get; } = [];

        public string Name => "stub edge pointer";

        public Task CheckReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<EdgePointerState> ReadAsync(CancellationToken cancellationToken)
        {
            Calls.Add("read");
            return Task.FromResult(new EdgePointerState($"v{_version}", _value));
        }

        public Task<bool> TryWriteAsync(string value, string expectedVersion, CancellationToken cancellationToken)
        {
            Calls.Add("write");
            OnWrite?.Invoke();
            cancellationToken.ThrowIfCancellationRequested();
            if (expectedVersion != $"v{_version}") return Task.FromResult(false);
            (_value, _version) = (value, _version + 1);
            return Task.FromResult(true);
        }
    }
}
