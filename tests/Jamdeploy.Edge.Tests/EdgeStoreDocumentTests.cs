using System.Net;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// serve reads the store's documents as every command does, and says what is wrong in the same words (its
/// log lines are written on a background task, hence the waits).
/// </summary>
public sealed class EdgeStoreDocumentTests : IAsyncLifetime, IDisposable
{
    private static readonly ReleaseId Copy = ReleaseId.Parse("copied-by-hand");
    private readonly TempDirectory _directory = new("edge-documents");
    private LocalDirectoryStore _store = null!;
    private ReleaseId _live;

    public async Task InitializeAsync()
    {
        _store = new LocalDirectoryStore(_directory.Combine("store"));
        _live = await new TestSite(_store).DeployAsync([SiteFile.Text("/index.html", "<h1>live</h1>")]);
        await ByHand.CopyManifestAsync(_store, _live, Copy.Value);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    private string Foreign => $"{new ReleaseStore(_store).Where(StoreLayout.Release(Copy))}: the manifest names release {_live}, not copied-by-hand";

    [Fact(Timeout = 60_000)]
    public async Task Preview_ManifestCopiedUnderAnotherId_IsRefusedNamingIt()
    {
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { Preview = new PreviewOptions { Enabled = true } });

        using var preview = await edge.Client.GetAsync("/_jamdeploy/releases/copied-by-hand/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, preview.StatusCode);
        await edge.Log.WaitUntilAsync(log => log.Lines.Any(line => line.Contains(Foreign, StringComparison.Ordinal)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Live_PointerNamingACopiedManifest_IsRefusedNamingIt()
    {
        var releases = new ReleaseStore(_store);
        var state = await releases.ReadLiveAsync(CancellationToken.None);
        await releases.WritePointerAsync(state.Pointer!.MoveTo(Copy, DateTimeOffset.UtcNow, FlipAction.Promote), state.ETag, CancellationToken.None);
        await using var edge = await RunningEdge.StartAsync(_store);

        using var page = await edge.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        await edge.Log.WaitUntilAsync(log => log.Lines.Any(line => line.Contains(Foreign, StringComparison.Ordinal)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Live_PointerNamingAMissingManifest_IsRefusedInTheWordsOfEveryCommand()
    {
        var releases = new ReleaseStore(_store);
        var state = await releases.ReadLiveAsync(CancellationToken.None);
        await _store.DeleteAsync([StoreLayout.Release(_live)], CancellationToken.None);
        await using var edge = await RunningEdge.StartAsync(_store);

        using var page = await edge.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        var expected = $"{new ReleaseStore(_store).Where(StoreLayout.LiveKey)} names release {state.Live}, whose manifest is missing; promote an existing release to repair it";
        await edge.Log.WaitUntilAsync(log => log.Lines.Any(line => line.Contains(expected, StringComparison.Ordinal)));
        var status = await Assert.ThrowsAsync<CorruptStoreException>(() => releases.ReadLiveManifestAsync(state.Live!.Value, CancellationToken.None));
        Assert.Equal(expected, status.Message);
    }
}
