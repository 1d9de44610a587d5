using System.Net;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>Which release answers: previews by id (when enabled), and fingerprinted assets of recent releases.</summary>
public sealed class EdgePreviewAndFallbackTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new("edge-preview");
    private LocalDirectoryStore _store = null!;
    private TestSite _site = null!;
    private ReleaseId _staged;
    private ReleaseId _live;

    public async Task InitializeAsync()
    {
        _store = new LocalDirectoryStore(_directory.Combine("store"));
        _site = new TestSite(_store);
        _staged = await _site.StoreReleaseAsync(
        [
            SiteFile.Text("/index.html", "<h1>staged</h1>"),
            SiteFile.Text("/docs/index.html", "<h1>staged docs</h1>"),
        ]);
        _live = await _site.DeployAsync([SiteFile.Text("/index.html", "<h1>live</h1>")]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    private static ServeOptions PreviewOn => new() { Preview = new PreviewOptions { Enabled = true } };

    [Fact(Timeout = 30000)]
    public async Task Preview_ByPath_ServesThatReleaseAndKeepsThePrefixInRedirects()
    {
        await using var edge = await RunningEdge.StartAsync(_store, PreviewOn);
        var prefix = $"/_jamdeploy/releases/{_staged}";

        using var root = await edge.Client.GetAsync(prefix + "/");
        using var bare = await edge.Client.GetAsync(prefix);
        using var folder = await edge.Client.GetAsync(prefix + "/docs");
        var live = await edge.Client.GetStringAsync("/");

        Assert.Equal("<h1>staged</h1>", await root.Content.ReadAsStringAsync());
        Assert.Equal(_staged.Value, root.Headers.GetValues(FileResponder.ReleaseHeader).Single());
        Assert.Equal("noindex", root.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal(prefix + "/", bare.Headers.Location!.OriginalString);
        Assert.Equal(prefix + "/docs/", folder.Headers.Location!.OriginalString);
        Assert.Equal("<h1>live</h1>", live);
    }

    [Fact(Timeout = 30000)]
    public async Task Preview_ByHost_ServesThatRelease()
    {
        await using var edge = await RunningEdge.StartAsync(_store, PreviewOn);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/docs/");
        request.Headers.Host = $"{_staged}.localhost";

        using var response = await edge.Client.SendAsync(request);

        Assert.Equal("<h1>staged docs</h1>", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A local serve (loopback only) previews by host with no setting: root-absolute links stay in the release.</summary>
    [Fact(Timeout = 30000)]
    public async Task Preview_ByHostOnLoopbackByDefault_ServesThatRelease()
    {
        await using var edge = await RunningEdge.StartAsync(_store);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/docs/");
        request.Headers.Host = $"{_staged}.localhost:{edge.Port}";

        using var response = await edge.Client.SendAsync(request);

        Assert.Equal("<h1>staged docs</h1>", await response.Content.ReadAsStringAsync());
    }

    [Theory(Timeout = 30000)]
    [InlineData("/_jamdeploy/releases/no-such-release/")]
    [InlineData("/_jamdeploy/releases/NOT..VALID/")]
    public async Task Preview_UnknownRelease_Answers404(string target)
    {
        await using var edge = await RunningEdge.StartAsync(_store, PreviewOn);

        using var response = await edge.Client.GetAsync(target);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task Preview_WhenDisabled_Answers404()
    {
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { Preview = new PreviewOptions { Enabled = false } });

        using var response = await edge.Client.GetAsync($"/_jamdeploy/releases/{_staged}/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task Get_FingerprintedAssetOfThePreviousRelease_StillServedFromThatRelease()
    {
        var one = await _site.DeployAsync(
        [
            SiteFile.Text("/index.html", "<script src=/app.aaaaaaaa.js></script>"),
            SiteFile.Text("/app.aaaaaaaa.js", "one()", "text/javascript"),
            SiteFile.Text("/plain.js", "plain one", "text/javascript"),
        ]);
        await _site.DeployAsync([SiteFile.Text("/index.html", "<script src=/app.bbbbbbbb.js></script>"), SiteFile.Text("/app.bbbbbbbb.js", "two()", "text/javascript")]);
        await using var edge = await RunningEdge.StartAsync(_store);

        using var asset = await edge.Client.GetAsync("/app.aaaaaaaa.js");
        using var plain = await edge.Client.GetAsync("/plain.js");

        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("one()", await asset.Content.ReadAsStringAsync());
        Assert.Equal(one.Value, asset.Headers.GetValues(FileResponder.ReleaseHeader).Single());
        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);
    }

    [Fact(Timeout = 30000)]
    public async Task Get_FingerprintedAssetOlderThanTheFallbackWindow_Answers404()
    {
        await _site.DeployAsync([SiteFile.Text("/app.aaaaaaaa.js", "one()", "text/javascript")]);
        await _site.DeployAsync([SiteFile.Text("/index.html", "two")]);
        await _site.DeployAsync([SiteFile.Text("/index.html", "three")]);
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { AssetFallbackReleases = 1 });

        using var response = await edge.Client.GetAsync("/app.aaaaaaaa.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory(Timeout = 30000)]
    [InlineData("/docs", "<h1>docs</h1>")]
    [InlineData("/about/", "<h1>about</h1>")]
    public async Task TrailingSlashServe_BothSpellings_ServeWithoutRedirect(string target, string body)
    {
        await _site.DeployAsync([SiteFile.Text("/docs/index.html", "<h1>docs</h1>"), SiteFile.Text("/about.html", "<h1>about</h1>")]);
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { TrailingSlash = TrailingSlashPolicy.Serve });

        using var response = await edge.Client.GetAsync(target);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task ColdBlob_ManyConcurrentRequests_FetchedFromTheStoreOnce()
    {
        var blob = new byte[100_000];
        Random.Shared.NextBytes(blob);
        await _site.DeployAsync([new SiteFile("/cold.bin", blob, "application/octet-stream")]);
        var intercepting = new InterceptingStore(_store);
        var key = StoreLayout.Blob(ContentHash.Of(blob));
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        intercepting.BeforeOpenRead = async k =>
        {
            if (k != key) return;
            opened.TrySetResult();
            await release.Task;
        };
        var cache = new BoundedCache<ContentHash, byte[]>(1 << 20, bytes => bytes.Length);
        var reader = new Func<ContentHash, long, Task<byte[]>>(async (hash, size) =>
        {
            await using var stream = (await intercepting.OpenReadAsync(StoreLayout.Blob(hash), null, CancellationToken.None))!;
            var bytes = new byte[size];
            await stream.ReadExactlyAsync(bytes);
            return bytes;
        });

        var waiting = Enumerable.Range(0, 20).Select(_ => cache.GetAsync(ContentHash.Of(blob), blob.Length, reader, CancellationToken.None).AsTask()).ToList();
        await opened.Task;
        release.SetResult();
        var results = await Task.WhenAll(waiting);

        Assert.Equal(1, intercepting.OpenReads(key));
        Assert.All(results, r => Assert.Equal(blob, r));
    }

    [Fact(Timeout = 30000)]
    public async Task ColdBlob_ConcurrentRequestsOverHttp_AllGetTheBytesAndTheStoreIsReadAtMostOncePerMiss()
    {
        var blob = new byte[100_000];
        Random.Shared.NextBytes(blob);
        await _site.DeployAsync([new SiteFile("/cold.bin", blob, "application/octet-stream")]);
        var intercepting = new InterceptingStore(_store);
        await using var edge = await RunningEdge.StartAsync(intercepting);

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => edge.Client.GetByteArrayAsync("/cold.bin")));
        var again = await edge.Client.GetByteArrayAsync("/cold.bin");

        Assert.All(all, r => Assert.Equal(blob, r));
        Assert.Equal(blob, again);
        Assert.InRange(intercepting.OpenReads(StoreLayout.Blob(ContentHash.Of(blob))), 1, 20);
    }
}
