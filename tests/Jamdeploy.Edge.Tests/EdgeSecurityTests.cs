using System.Net;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// No request reads anything but the live release: not a file beside the store, not the store's own
/// documents, not another release. Targets go out byte for byte over a socket, so no client normalises them.
/// </summary>
public sealed class EdgeSecurityTests : IAsyncLifetime, IDisposable
{
    private const string Marker = "TOP-SECRET-7d1f";
    private const string Token = "s3cr3t-purge-token-for-tests";

    private readonly TempDirectory _directory = new("edge-security");
    private RunningEdge _edge = null!;
    private ReleaseId _live;
    private ReleaseId _other;
    private ContentHash _secretBlob = null!;

    public async Task InitializeAsync()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        _directory.Write("secret-outside.txt", Marker);
        _directory.Write("store/blobs/secret-outside.txt", Marker);
        _directory.Write("store/lease.json", Marker); // the store lease is a store document, never a page
        var site = new TestSite(store);
        var secret = SiteFile.Text("/secret.html", Marker);
        _secretBlob = ContentHash.Of(secret.Content);
        _other = await site.StoreReleaseAsync([secret]);
        _live = await site.DeployAsync(
        [
            SiteFile.Text("/index.html", "<h1>home</h1>"),
            SiteFile.Text("/404.html", "<h1>custom not found</h1>"),
            SiteFile.Text("/_jamdeploy/shadow.html", Marker),
        ]);
        // Previews off, as for a serve reachable beyond loopback (where they are off unless enabled): no other release is reachable.
        _edge = await RunningEdge.StartAsync(store, new ServeOptions { PurgeToken = Token, Preview = new PreviewOptions { Enabled = false } });
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData("/../secret-outside.txt", 400)]
    [InlineData("/../../secret-outside.txt", 400)]
    [InlineData("/index.html/../../secret-outside.txt", 400)]
    [InlineData("/./index.html", 400)]
    [InlineData("/%2e%2e/secret-outside.txt", 400)]
    [InlineData("/%2E%2E/%2E%2E/secret-outside.txt", 400)]
    [InlineData("/.%2e/secret-outside.txt", 400)]
    [InlineData("/..%2fsecret-outside.txt", 400)]
    [InlineData("/%2f..%2f..%2fsecret-outside.txt", 400)]
    [InlineData("/%252e%252e/secret-outside.txt", 404)]
    [InlineData("/%252e%252e%252fsecret-outside.txt", 404)]
    [InlineData("/..\\secret-outside.txt", 400)]
    [InlineData("/%5c..%5csecret-outside.txt", 400)]
    [InlineData("/..%5c..%5csecret-outside.txt", 400)]
    [InlineData("/index.html%00.txt", 400)]
    [InlineData("/%00", 400)]
    [InlineData("/%c0%ae%c0%ae/secret-outside.txt", 400)]
    [InlineData("/%e0%80%ae%e0%80%ae/secret-outside.txt", 400)]
    [InlineData("/..%c0%afsecret-outside.txt", 400)]
    [InlineData("/%ff%fe", 400)]
    [InlineData("/%", 400)]
    [InlineData("/%zz", 400)]
    [InlineData("//secret-outside.txt", 400)]
    [InlineData("//etc/passwd", 400)]
    [InlineData("/etc/passwd", 404)]
    [InlineData("/C:/Windows/win.ini", 404)]
    [InlineData("http://127.0.0.1:{port}/../secret-outside.txt", 400)]
    [InlineData("http://127.0.0.1:{port}/live.json", 404)]
    [InlineData("http://127.0.0.1:{port}/", 200)]
    [InlineData("/live.json", 404)]
    [InlineData("/lease.json", 404)]
    [InlineData("/blobs/secret-outside.txt", 404)]
    [InlineData("/secret.html", 404)]
    [InlineData("/secret", 404)]
    [InlineData("/_jamdeploy/shadow.html", 404)]
    [InlineData("/_jamdeploy", 404)]
    [InlineData("/_jamdeploy/", 404)]
    [InlineData("/_jamdeploy/purge", 405)]
    [InlineData("/_jamdeploy/releases/", 404)]
    [InlineData("/_jamdeploy/healthz", 404)]
    [InlineData("/_jamdeployx/secret.html", 404)]
    [InlineData("/_JAMDEPLOY/shadow.html", 404)]
    public async Task Get_HostileTarget_NeverLeavesTheLiveRelease(string target, int status)
    {
        var response = await RawHttp.SendAsync(_edge.Port, "GET", target.Replace("{port}", _edge.Port.ToString()));

        Assert.Equal(status, response.Status);
        AssertNothingLeaked(response);
    }

    [Theory(Timeout = 30000)]
    [InlineData("/releases/{other}.json")]
    [InlineData("/blobs/{blob}")]
    [InlineData("/_jamdeploy/releases/{other}/secret.html")]
    [InlineData("/_jamdeploy/releases/{other}/")]
    public async Task Get_StoreKeysAndOtherReleases_AreNotReachable(string template)
    {
        var target = template.Replace("{other}", _other.Value).Replace("{blob}", _secretBlob.Hex);

        var response = await RawHttp.SendAsync(_edge.Port, "GET", target);

        Assert.Equal(404, response.Status);
        AssertNothingLeaked(response);
    }

    [Fact(Timeout = 30000)]
    public async Task Get_PreviewHostWhilePreviewIsOff_ServesTheLiveRelease()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/secret.html");
        request.Headers.Host = $"{_other.Value}.localhost";

        using var viaHost = await _edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, viaHost.StatusCode);
        Assert.DoesNotContain(Marker, await viaHost.Content.ReadAsStringAsync());
    }

    [Theory(Timeout = 30000)]
    [InlineData(2000, 414)]
    [InlineData(20000, 414)]
    public async Task Get_VeryLongPath_IsRefusedBeforeAnyLookup(int length, int status)
    {
        var response = await RawHttp.SendAsync(_edge.Port, "GET", "/" + new string('a', length));

        Assert.Equal(status, response.Status);
        AssertNothingLeaked(response);
    }

    [Fact(Timeout = 30000)]
    public async Task Get_RawNulInTarget_IsRefused()
    {
        var response = await RawHttp.SendAsync(_edge.Port, "GET", "/index.html\0.txt");

        Assert.Equal(400, response.Status);
    }

    [Fact(Timeout = 30000)]
    public async Task Options_AsteriskTarget_IsRefused()
    {
        var response = await RawHttp.SendAsync(_edge.Port, "OPTIONS", "*");

        Assert.Equal(400, response.Status);
    }

    [Theory(Timeout = 30000)]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer " + Token + "x")]
    [InlineData("Bearer")]
    [InlineData("Basic " + Token)]
    [InlineData(Token)]
    public async Task Purge_WithoutTheToken_Answers401AndDoesNotReadThePointer(string? authorization)
    {
        var header = authorization is null ? null : $"Authorization: {authorization}\r\n";

        var response = await RawHttp.SendAsync(_edge.Port, "POST", "/_jamdeploy/purge", (header ?? "") + "Content-Length: 0\r\n");

        Assert.Equal(401, response.Status);
        Assert.DoesNotContain(_live.Value, response.Body);
    }

    [Fact(Timeout = 30000)]
    public async Task Purge_WhenNoTokenIsConfigured_DoesNotExist()
    {
        await using var edge = await RunningEdge.StartAsync(new LocalDirectoryStore(_directory.Combine("store")), new ServeOptions());

        var response = await RawHttp.SendAsync(edge.Port, "POST", "/_jamdeploy/purge", "Authorization: Bearer \r\nContent-Length: 0\r\n");

        Assert.Equal(404, response.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task Purge_WithTheToken_Answers200AndTheTokenIsNeverLogged()
    {
        var response = await RawHttp.SendAsync(_edge.Port, "POST", "/_jamdeploy/purge?token=" + Token, $"Authorization: Bearer {Token}\r\nContent-Length: 0\r\n");

        await _edge.Log.WaitUntilAsync(log => log.RequestEvents().Count == 1);

        Assert.Equal(200, response.Status);
        Assert.Contains(_live.Value, response.Body);
        Assert.DoesNotContain(_edge.Log.Lines, line => line.Contains(Token, StringComparison.Ordinal));
        Assert.Contains(_edge.Log.Lines, line => line.Contains("\"/_jamdeploy/purge\" 200", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task AnyRequest_LogsExactlyOneLineWithMethodPathStatusReleaseAndElapsed()
    {
        await _edge.Client.GetAsync("/");
        await _edge.Client.GetAsync("/missing?q=1");
        await RawHttp.SendAsync(_edge.Port, "GET", "/../x");
        await _edge.Log.WaitUntilAsync(log => log.RequestEvents().Count >= 3);

        // Each line is written as its response completes, so lines of sequential requests may swap.
        var lines = _edge.Log.RequestEvents();
        Assert.Equal(3, lines.Count);
        Assert.Equal(["200", "400", "404"], lines.Select(e => e.Properties["StatusCode"].ToString()).Order());
        var home = Assert.Single(lines, e => e.Properties["RequestPath"].ToString().Trim('"') == "/");
        Assert.Equal("200", home.Properties["StatusCode"].ToString());
        Assert.Equal(_live.Value, home.Properties["Release"].ToString().Trim('"'));
        Assert.Equal("404", Assert.Single(lines, e => e.Properties["RequestPath"].ToString().Trim('"') == "/missing").Properties["StatusCode"].ToString());
        Assert.All(lines, e => Assert.True(e.Properties.ContainsKey("Elapsed") && e.Properties.ContainsKey("RequestMethod")));
        Assert.DoesNotContain(_edge.Log.Lines, line => line.Contains("q=1", StringComparison.Ordinal));
    }

    private static void AssertNothingLeaked(RawResponse response)
    {
        Assert.DoesNotContain(Marker, response.Body);
        Assert.DoesNotContain("\"history\"", response.Body);
        Assert.DoesNotContain("\"files\"", response.Body);
    }
}
