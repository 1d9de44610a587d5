using System.Net;
using System.Security.Cryptography;
using System.Text;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Precompression;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// Precompressed forms over a socket, beyond the shared vectors: q-values, validators and ranges of the form sent, and
/// the smallest form winning even when a stored coding is larger than the file.
/// </summary>
public sealed class EdgeEncodingTests : IAsyncLifetime, IDisposable
{
    private static readonly string Page = string.Concat(Enumerable.Repeat("<p>the same sentence, again and again</p>\n", 200));
    private static readonly byte[] PageBytes = Encoding.UTF8.GetBytes(Page);
    private static readonly byte[] Brotli = new Compressor(11).Compress(PageBytes, "br");
    private static readonly byte[] Gzip = new Compressor(11).Compress(PageBytes, "gzip");

    private readonly TempDirectory _directory = new("edge-encodings");
    private RunningEdge _edge = null!;

    private HttpClient Http => _edge.Client;

    public async Task InitializeAsync()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        await new TestSite(store).DeployAsync(
        [
            SiteFile.Text("/page.html", Page) with { Encodings = ["br", "gzip"] },
            // Random bytes do not compress: both stored forms are larger than the file.
            new SiteFile("/noise.txt", RandomNumberGenerator.GetBytes(4096), "text/plain; charset=utf-8") { Encodings = ["br", "gzip"] },
            SiteFile.Text("/404.html", Page) with { Encodings = ["br", "gzip"] },
        ]);
        _edge = await RunningEdge.StartAsync(store);
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("gzip;q=0.5, br;q=0.1", "br")]
    [InlineData("*", "br")]
    [InlineData("*;q=0, gzip", "gzip")]
    [InlineData("gzip;q=0, br;q=0", null)]
    [InlineData("deflate", null)]
    [InlineData("BR", "br")]
    public async Task Get_AcceptEncoding_SendsTheSmallestAcceptedForm(string acceptEncoding, string? expected)
    {
        using var response = await GetAsync("/page.html", ("Accept-Encoding", acceptEncoding));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        var sent = expected switch { "br" => Brotli, "gzip" => Gzip, _ => PageBytes };
        Assert.Equal(sent, body);
        Assert.Equal(expected, response.Content.Headers.ContentEncoding.SingleOrDefault());
        Assert.Equal($"\"{ContentHash.Of(sent).Hex}\"", response.Headers.ETag!.Tag);
        Assert.Equal("Accept-Encoding", response.Headers.Vary.Single());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_CompressedFormsLargerThanTheFile_SendsTheFileStillVarying()
    {
        using var response = await GetAsync("/noise.txt", ("Accept-Encoding", "br, gzip"));

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(4096, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal("Accept-Encoding", response.Headers.Vary.Single());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_IfNoneMatch_IsComparedWithTheFormThatWouldBeSent()
    {
        var brotliTag = $"\"{ContentHash.Of(Brotli).Hex}\"";

        using var same = await GetAsync("/page.html", ("Accept-Encoding", "br"), ("If-None-Match", brotliTag));
        using var other = await GetAsync("/page.html", ("Accept-Encoding", "gzip"), ("If-None-Match", brotliTag));

        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Equal("Accept-Encoding", same.Headers.Vary.Single());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(Gzip, await other.Content.ReadAsByteArrayAsync());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_Range_IsARangeOfTheEncodedBytes()
    {
        using var response = await GetAsync("/page.html", ("Accept-Encoding", "gzip"), ("Range", "bytes=10-19"));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(Gzip[10..20], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 10-19/{Gzip.Length}", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
    }

    [Fact(Timeout = 30000)]
    public async Task Head_SaysTheLengthOfTheFormAGetSends()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/page.html");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "br");
        using var response = await Http.SendAsync(request);

        Assert.Equal(Brotli.Length, response.Content.Headers.ContentLength);
        Assert.Equal("br", response.Content.Headers.ContentEncoding.Single());
    }

    [Fact(Timeout = 30000)]
    public async Task Get_NotFoundPageWithEncodings_IsNegotiatedToo()
    {
        using var response = await GetAsync("/missing", ("Accept-Encoding", "gzip"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        Assert.Equal(Page, Encoding.UTF8.GetString(ContentCodings.Decode(await response.Content.ReadAsByteArrayAsync(), "gzip")));
        Assert.Equal("Accept-Encoding", response.Headers.Vary.Single());
    }

    private async Task<HttpResponseMessage> GetAsync(string target, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await Http.SendAsync(request);
    }
}
