using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// The resolution table of the edge contract, over a real socket, against one kind of store. Each store
/// the edge can read from gets one subclass that says how to make an empty store.
/// </summary>
public abstract class EdgeResolutionTests : IAsyncLifetime
{
    /// <summary>Larger than the memory-cache limit used here, so it takes the streaming path.</summary>
    private const int LargeSize = 300_000;

    protected static readonly ServeOptions Options = new() { BlobCache = new BlobCacheOptions { MaxBlobBytes = 64 * 1024, MaxBytes = 1 << 20 } };

    private static readonly byte[] Large = RandomNumberGenerator.GetBytes(LargeSize);

    private RunningEdge? _edge;
    private IObjectStore? _store;

    protected RunningEdge Edge => _edge!;
    protected HttpClient Http => Edge.Client;
    protected TestSite Site { get; private set; } = null!;
    protected ReleaseId Live { get; private set; }

    /// <summary>A new, empty store for one test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    protected virtual ServeOptions OptionsForTest => Options;

    public static IReadOnlyList<SiteFile> SampleSite =>
    [
        SiteFile.Text("/index.html", "<h1>home</h1>"),
        SiteFile.Text("/about.html", "<h1>about</h1>"),
        SiteFile.Text("/docs/index.html", "<h1>docs</h1>"),
        SiteFile.Text("/docs/intro.html", "<h1>intro</h1>"),
        SiteFile.Text("/404.html", "<h1>custom not found</h1>"),
        SiteFile.Text("/assets/app.3f9a1c2e.js", "console.log('app');", "text/javascript"),
        SiteFile.Text("/assets/style.css", "body { color: red }", "text/css"),
        SiteFile.Text("/data.json", "{\"n\":1}", "application/json"),
        SiteFile.Text("/café.html", "<p>café</p>"),
        SiteFile.Text("/with space.txt", "spaced", "text/plain; charset=utf-8"),
        SiteFile.Text("/digits.txt", "0123456789", "text/plain; charset=utf-8"),
        new SiteFile("/large.bin", Large, "application/octet-stream"),
    ];

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        Site = new TestSite(_store);
        Live = await Site.DeployAsync(SampleSite);
        _edge = await RunningEdge.StartAsync(_store, OptionsForTest);
    }

    public async Task DisposeAsync()
    {
        if (_edge is not null) await _edge.DisposeAsync();
        if (_store is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
        else if (_store is IDisposable disposable) disposable.Dispose();
    }

    [Theory(Timeout = 30000)]
    [InlineData("/", "<h1>home</h1>", "text/html; charset=utf-8")]
    [InlineData("/index.html", "<h1>home</h1>", "text/html; charset=utf-8")]
    [InlineData("/about", "<h1>about</h1>", "text/html; charset=utf-8")]
    [InlineData("/about.html", "<h1>about</h1>", "text/html; charset=utf-8")]
    [InlineData("/docs/", "<h1>docs</h1>", "text/html; charset=utf-8")]
    [InlineData("/docs/index.html", "<h1>docs</h1>", "text/html; charset=utf-8")]
    [InlineData("/docs/intro", "<h1>intro</h1>", "text/html; charset=utf-8")]
    [InlineData("/assets/app.3f9a1c2e.js", "console.log('app');", "text/javascript")]
    [InlineData("/assets/style.css", "body { color: red }", "text/css")]
    [InlineData("/data.json", "{\"n\":1}", "application/json")]
    [InlineData("/caf%C3%A9.html", "<p>café</p>", "text/html; charset=utf-8")]
    [InlineData("/cafe%CC%81.html", "<p>café</p>", "text/html; charset=utf-8")]
    [InlineData("/caf%C3%A9", "<p>café</p>", "text/html; charset=utf-8")]
    [InlineData("/with%20space.txt", "spaced", "text/plain; charset=utf-8")]
    [InlineData("/?utm=1", "<h1>home</h1>", "text/html; charset=utf-8")]
    public async Task Get_ExistingPath_ServesTheFileWithItsManifestType(string target, string body, string contentType)
    {
        using var response = await Http.GetAsync(target);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(contentType, response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Live.Value, Header(response, FileResponder.ReleaseHeader));
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }

    [Theory(Timeout = 30000)]
    [InlineData("/docs", "/docs/")]
    [InlineData("/docs?x=1&y=2", "/docs/?x=1&y=2")]
    [InlineData("/about/", "/about")]
    public async Task Get_NonCanonicalSpelling_RedirectsPermanently(string target, string location)
    {
        using var response = await Http.GetAsync(target);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(location, response.Headers.Location!.OriginalString);
        Assert.Equal(Options.CacheControl.Html, CacheControl(response));
    }

    [Theory(Timeout = 30000)]
    [InlineData("/missing")]
    [InlineData("/missing/")]
    [InlineData("/assets/")]
    [InlineData("/docs/intro/extra")]
    [InlineData("/INDEX.HTML")]
    public async Task Get_UnknownPath_Serves404PageWithStatus404AndNoListing(string target)
    {
        using var response = await Http.GetAsync(target);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("<h1>custom not found</h1>", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Null(response.Headers.ETag);
    }

    [Fact(Timeout = 30000)]
    public async Task Get_UnknownPathWithout404Page_AnswersPlain404()
    {
        await Site.DeployAsync([SiteFile.Text("/index.html", "only")]);
        await PurgeByRestartAsync();

        using var response = await Http.GetAsync("/missing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
    }

    [Theory(Timeout = 30000)]
    [InlineData("/", "html")]
    [InlineData("/about", "html")]
    [InlineData("/assets/app.3f9a1c2e.js", "immutable")]
    [InlineData("/assets/style.css", "default")]
    [InlineData("/data.json", "default")]
    [InlineData("/large.bin", "default")]
    public async Task Get_File_CacheControlFollowsTheRule(string target, string rule)
    {
        using var response = await Http.GetAsync(target);

        var expected = rule switch
        {
            "html" => Options.CacheControl.Html,
            "immutable" => Options.CacheControl.Immutable,
            _ => Options.CacheControl.Default,
        };
        Assert.Equal(expected, CacheControl(response));
    }

    [Fact(Timeout = 30000)]
    public async Task Get_File_HasStrongETagFromTheBlobHash()
    {
        using var response = await Http.GetAsync("/digits.txt");

        var hash = ContentHash.Of("0123456789"u8);
        Assert.Equal($"\"{hash.Hex}\"", response.Headers.ETag!.Tag);
        Assert.False(response.Headers.ETag.IsWeak);
    }

    [Theory(Timeout = 30000)]
    [InlineData("{0}")]
    [InlineData("W/{0}")]
    [InlineData("\"other\", {0}")]
    [InlineData("*")]
    public async Task Get_IfNoneMatchMatches_Answers304WithoutBody(string ifNoneMatch)
    {
        var etag = $"\"{ContentHash.Of("0123456789"u8).Hex}\"";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/digits.txt");
        request.Headers.TryAddWithoutValidation("If-None-Match", string.Format(ifNoneMatch, etag));

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, response.Headers.ETag!.Tag);
        Assert.Equal(Options.CacheControl.Default, CacheControl(response));
    }

    [Fact(Timeout = 30000)]
    public async Task Get_IfNoneMatchDiffers_Answers200()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/digits.txt");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"0000\"");

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0123456789", await response.Content.ReadAsStringAsync());
    }

    [Theory(Timeout = 30000)]
    [InlineData("/about")]
    [InlineData("/large.bin")]
    [InlineData("/missing")]
    public async Task Head_AnyPath_SameHeadersAsGetAndNoBody(string target)
    {
        using var get = await Http.GetAsync(target);
        var raw = await RawHttp.SendAsync(Edge.Port, "HEAD", target);

        Assert.Equal((int)get.StatusCode, raw.Status);
        Assert.Equal("", raw.Body);
        Assert.Contains($"Content-Length: {get.Content.Headers.ContentLength}", raw.Head);
        Assert.Contains($"Content-Type: {get.Content.Headers.ContentType}", raw.Head);
    }

    [Theory(Timeout = 30000)]
    [InlineData("bytes=0-3", "0123", "bytes 0-3/10")]
    [InlineData("bytes=7-", "789", "bytes 7-9/10")]
    [InlineData("bytes=-3", "789", "bytes 7-9/10")]
    [InlineData("bytes=-30", "0123456789", "bytes 0-9/10")]
    [InlineData("bytes=5-100", "56789", "bytes 5-9/10")]
    [InlineData("bytes=4-4", "4", "bytes 4-4/10")]
    public async Task Get_SatisfiableRange_Answers206WithThePart(string range, string body, string contentRange)
    {
        using var response = await GetWithRange("/digits.txt", range);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(contentRange, response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }

    [Theory(Timeout = 30000)]
    [InlineData("bytes=10-")]
    [InlineData("bytes=99-200")]
    [InlineData("bytes=-0")]
    public async Task Get_UnsatisfiableRange_Answers416WithTheSize(string range)
    {
        using var response = await GetWithRange("/digits.txt", range);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */10", response.Content.Headers.ContentRange!.ToString());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory(Timeout = 30000)]
    [InlineData("bytes=abc")]
    [InlineData("bytes=5-2")]
    [InlineData("items=0-3")]
    [InlineData("bytes=0-1,4-5")]
    [InlineData("bytes=")]
    public async Task Get_MalformedOrMultipleRange_IgnoredAndAnswers200(string range)
    {
        using var response = await GetWithRange("/digits.txt", range);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0123456789", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_RangeWithStaleIfRange_AnswersTheWholeBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/digits.txt");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-3");
        request.Headers.TryAddWithoutValidation("If-Range", "\"an-old-tag\"");

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0123456789", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_LargeBlob_StreamsAllBytes()
    {
        var bytes = await Http.GetByteArrayAsync("/large.bin");

        Assert.Equal(Large, bytes);
    }

    [Fact(Timeout = 30000)]
    public async Task Get_RangeOfLargeBlob_StreamsJustThatPart()
    {
        using var response = await GetWithRange("/large.bin", "bytes=100000-100099");

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Large.AsSpan(100000, 100).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task Post_SitePath_Answers405()
    {
        using var response = await Http.PostAsync("/about", new StringContent("x"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact(Timeout = 30000)]
    public async Task Health_Answers200WithTheLiveRelease()
    {
        var body = await Http.GetStringAsync("/_jamdeploy/health");

        Assert.Contains($"\"live\":\"{Live.Value}\"", body);
    }

    /// <summary>A new edge over the same store: it reads the pointer afresh.</summary>
    protected async Task PurgeByRestartAsync()
    {
        await _edge!.DisposeAsync();
        _edge = await RunningEdge.StartAsync(_store!, OptionsForTest);
    }

    private Task<HttpResponseMessage> GetWithRange(string target, string range)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, target);
        request.Headers.TryAddWithoutValidation("Range", range);
        return Http.SendAsync(request);
    }

    /// <summary>The header as sent (the typed header of HttpClient reorders the directives).</summary>
    protected static string CacheControl(HttpResponseMessage response) => response.Headers.NonValidated["Cache-Control"].ToString();

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

/// <summary>The embedded default store: a directory on local disk.</summary>
public sealed class LocalStoreResolutionTests : EdgeResolutionTests, IDisposable
{
    private readonly TempDirectory _directory = new("edge-local");

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new LocalDirectoryStore(_directory.Combine("store")));

    public void Dispose() => _directory.Dispose();
}

/// <summary>The local store with the disk tier on: large blobs and their ranges come from the cached file.</summary>
public sealed class DiskCachedResolutionTests : EdgeResolutionTests, IDisposable
{
    private readonly TempDirectory _directory = new("edge-disk");

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new InterceptingStore(new LocalDirectoryStore(_directory.Combine("store"))));

    protected override ServeOptions OptionsForTest => Options with { BlobCache = Options.BlobCache with { Directory = _directory.Combine("cache") } };

    public void Dispose() => _directory.Dispose();
}
