using System.Net;
using Jamdeploy.Cdn;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.Edge.Tests;

/// <summary>When a flip becomes visible: after the pointer TTL, at once on purge, and never backwards.</summary>
public sealed class EdgeFreshnessTests : IDisposable
{
    private const string Token = "purge-token-freshness";
    private static readonly TimeSpan LongTtl = TimeSpan.FromHours(1);

    private readonly TempDirectory _directory = new("edge-freshness");
    private readonly LocalDirectoryStore _store;
    private readonly TestSite _site;

    public EdgeFreshnessTests()
    {
        _store = new LocalDirectoryStore(_directory.Combine("store"));
        _site = new TestSite(_store);
    }

    public void Dispose() => _directory.Dispose();

    private static SiteFile[] Release(string name) => [SiteFile.Text("/index.html", $"<h1>{name}</h1>")];

    [Fact(Timeout = 30000)]
    public async Task Get_AfterFlip_OldReleaseUntilTheTtlPassesThenTheNewOne()
    {
        var time = new FakeTimeProvider();
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { PointerTtl = TimeSpan.FromSeconds(2) }, time);
        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));

        await _site.DeployAsync(Release("two"));
        var beforeTtl = await edge.Client.GetStringAsync("/");
        time.Advance(TimeSpan.FromSeconds(3));
        var afterTtl = await edge.Client.GetStringAsync("/");

        Assert.Equal("<h1>one</h1>", beforeTtl);
        Assert.Equal("<h1>two</h1>", afterTtl);
    }

    [Fact(Timeout = 30000)]
    public async Task Purge_AfterFlip_ServesTheNewReleaseAtOnce()
    {
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { PointerTtl = LongTtl, PurgeToken = Token });
        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));
        var two = await _site.DeployAsync(Release("two"));
        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));

        await Purger(edge).InvalidateAsync(new InvalidationRequest(two, ["/"], false), CancellationToken.None);

        Assert.Equal("<h1>two</h1>", await edge.Client.GetStringAsync("/"));
    }

    /// <summary>
    /// The production ordering: the CDN is told to forget only after the origin serves the new release. The
    /// stand-in CDN fetches from the origin at the moment it is invalidated, as a real CDN would on the next miss.
    /// </summary>
    [Fact(Timeout = 30000)]
    public async Task OriginsFirst_WhenTheCdnIsInvalidated_TheOriginAlreadyServesTheNewRelease()
    {
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { PointerTtl = LongTtl, PurgeToken = Token });
        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));
        var cdn = new RefetchingCdn(edge.Client);
        var two = await _site.DeployAsync(Release("two"));

        await new OriginsFirstInvalidator(Purger(edge), cdn).InvalidateAsync(new InvalidationRequest(two, ["/"], false), CancellationToken.None);

        Assert.Equal(["<h1>two</h1>"], cdn.Refetched);
    }

    [Fact(Timeout = 30000)]
    public async Task OriginsFirst_WhenAnOriginRefusesThePurge_TheCdnIsNotInvalidatedAndItFails()
    {
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { PointerTtl = LongTtl, PurgeToken = Token });
        var cdn = new RefetchingCdn(edge.Client);
        var two = await _site.DeployAsync(Release("two"));
        var wrongToken = new LocalEdgePurge(new HttpClient(), [edge.BaseAddress], "not-the-token");

        var failure = await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            new OriginsFirstInvalidator(wrongToken, cdn).InvalidateAsync(new InvalidationRequest(two, ["/"], false), CancellationToken.None));

        Assert.Empty(cdn.Refetched);
        Assert.Equal(ExitCodes.InvalidationFailed, failure.ExitCode);
        Assert.DoesNotContain("not-the-token", failure.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Purge_WhenTheOriginStillServesAnotherRelease_Fails()
    {
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { PointerTtl = LongTtl, PurgeToken = Token });
        var notLive = await _site.StoreReleaseAsync(Release("staged"));

        await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            Purger(edge).InvalidateAsync(new InvalidationRequest(notLive, ["/"], false), CancellationToken.None));
    }

    /// <summary>
    /// A pointer read that started before the flip and finishes after the purge must not bring the old
    /// release back, and the purge must not wait for (or reuse) that older read.
    /// </summary>
    [Fact(Timeout = 30000)]
    public async Task Purge_WhileAnOlderPointerReadIsInFlight_NewReleaseWinsAndStays()
    {
        var intercepting = new InterceptingStore(_store);
        var time = new FakeTimeProvider();
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(intercepting, new ServeOptions { PointerTtl = TimeSpan.FromSeconds(2), PurgeToken = Token }, time);
        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));

        var oldReadHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseOldRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdNext = 1;
        intercepting.AfterGet = async (key, _) =>
        {
            if (key != StoreLayout.LiveKey || Interlocked.Exchange(ref holdNext, 0) == 0) return;
            oldReadHeld.SetResult();
            await releaseOldRead.Task;
        };
        time.Advance(TimeSpan.FromSeconds(3));
        var requestDuringOldRead = edge.Client.GetStringAsync("/");
        await oldReadHeld.Task;

        var two = await _site.DeployAsync(Release("two"));
        await Purger(edge).InvalidateAsync(new InvalidationRequest(two, ["/"], false), CancellationToken.None);
        releaseOldRead.SetResult();
        var answeredDuringOldRead = await requestDuringOldRead;

        Assert.Equal("<h1>two</h1>", answeredDuringOldRead);
        Assert.Equal("<h1>two</h1>", await edge.Client.GetStringAsync("/"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_WhenTheStoreFailsAfterAGoodRead_KeepsServingTheLastGoodRelease()
    {
        var intercepting = new InterceptingStore(_store);
        var time = new FakeTimeProvider();
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(intercepting, new ServeOptions { PointerTtl = TimeSpan.FromSeconds(2) }, time);
        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));

        intercepting.AfterGet = (key, _) => throw new StoreException("store unreachable (injected)");
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal("<h1>one</h1>", await edge.Client.GetStringAsync("/"));
        await edge.Log.WaitUntilAsync(log => log.Lines.Any(line => line.Contains("still serving", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 30000)]
    public async Task Get_WhenTheStoreFailsBeforeAnyRead_Answers503()
    {
        var intercepting = new InterceptingStore(_store) { AfterGet = (_, _) => throw new StoreException("store unreachable (injected)") };
        await _site.DeployAsync(Release("one"));
        await using var edge = await RunningEdge.StartAsync(intercepting);

        using var site = await edge.Client.GetAsync("/");
        using var health = await edge.Client.GetAsync("/_jamdeploy/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, site.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    /// <summary>A blob missing or damaged in the store: a clear 503, not a response cut off under the file's headers.</summary>
    [Theory(Timeout = 30000)]
    [InlineData("missing")]
    [InlineData("corrupt")]
    public async Task Get_FileWhoseBlobIsMissingOrCorrupt_Answers503WithoutTheFilesHeaders(string damage)
    {
        var id = await _site.DeployAsync(Release("one"));
        var blob = _directory.Combine("store", "blobs", (await new Releases.ReleaseStore(_store).ReadLiveManifestAsync(id, CancellationToken.None)).Files["/index.html"].Hash.Hex);
        if (damage == "missing") File.Delete(blob);
        else await File.WriteAllTextAsync(blob, "<h1>tampered</h1>");
        await using var edge = await RunningEdge.StartAsync(_store);

        using var response = await edge.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Headers.ETag);
        Assert.Contains("cannot be read", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_BeforeAnyDeploy_Answers503()
    {
        await using var edge = await RunningEdge.StartAsync(_store);

        using var response = await edge.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("no release is live", await response.Content.ReadAsStringAsync());
    }

    /// <summary>With origins in front, the CDN's own check before the flip still runs (no credentials: nothing flips).</summary>
    [Fact(Timeout = 30000)]
    public async Task OriginsFirst_CheckBeforeTheFlip_AsksTheCdnToo()
    {
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { PurgeToken = Token });
        var cdn = new RefetchingCdn(edge.Client) { NotReady = "no AWS credentials found (test)" };

        var e = await Assert.ThrowsAsync<UsageException>(() => new OriginsFirstInvalidator(Purger(edge), cdn).CheckReadyAsync(CancellationToken.None));

        Assert.Equal("no AWS credentials found (test)", e.Message);
    }

    private static LocalEdgePurge Purger(RunningEdge edge) => new(new HttpClient(), [edge.BaseAddress], Token);

    /// <summary>A CDN stand-in: on invalidation it fetches the page again from the origin and keeps what it got.</summary>
    private sealed class RefetchingCdn(HttpClient origin) : ICdnInvalidator
    {
        public List<string> Refetched { get; } = [];

        public string Name => "refetching test CDN";

        /// <summary>Set: the check before a flip fails, as CloudFront's does without credentials.</summary>
        public string? NotReady { get; init; }

        public Task CheckReadyAsync(CancellationToken cancellationToken) =>
            NotReady is null ? Task.CompletedTask : throw new UsageException(NotReady);

        public async Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken)
        {
            Refetched.Add(await origin.GetStringAsync("/", cancellationToken));
            return new InvalidationOutcome(["test"], request.Paths.Count, true);
        }
    }
}
