using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// Blobs of the local store that go out by sendfile, between bytes Kestrel writes on the same connection: every
/// answer is framed as its headers say, and a damaged blob is refused before any header leaves.
/// </summary>
public sealed class EdgeFileSendTests : IDisposable
{
    private static readonly byte[] Medium = RandomNumberGenerator.GetBytes(200_000);
    private static readonly byte[] Large = RandomNumberGenerator.GetBytes(3_000_000);

    private readonly TempDirectory _directory = new("edge-file-send");
    private readonly LocalDirectoryStore _store;
    private readonly TestSite _site;

    public EdgeFileSendTests()
    {
        _store = new LocalDirectoryStore(_directory.Combine("store"));
        _site = new TestSite(_store);
    }

    public void Dispose() => _directory.Dispose();

    private static readonly SiteFile[] Files =
    [
        SiteFile.Text("/index.html", "<h1>home</h1>"),
        new("/medium.bin", Medium, "application/octet-stream"),
        new("/large.bin", Large, "application/octet-stream"),
    ];

    /// <summary>Pipelined on one connection: each response starts where the one before ended.</summary>
    [Fact(Timeout = 30000)]
    public async Task Get_PipelinedOnOneConnection_EachAnswerFramedAsItsHeadersSay()
    {
        await _site.DeployAsync(Files);
        await using var edge = await RunningEdge.StartAsync(_store);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = client.GetStream();
        string[] requests =
        [
            "GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /medium.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-150999\r\n\r\n",
            "HEAD /large.bin HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /medium.bin HTTP/1.1\r\nHost: x\r\n\r\n",
        ];
        await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Concat(requests)));

        var reader = new ResponseReader(stream);
        var large = await reader.ReadAsync(hasBody: true);
        var page = await reader.ReadAsync(hasBody: true);
        var range = await reader.ReadAsync(hasBody: true);
        var head = await reader.ReadAsync(hasBody: false);
        var medium = await reader.ReadAsync(hasBody: true);

        Assert.Equal([200, 200, 206, 200, 200], new[] { large.Status, page.Status, range.Status, head.Status, medium.Status });
        Assert.Equal(Large, large.Body);
        Assert.Equal("<h1>home</h1>", Encoding.UTF8.GetString(page.Body));
        Assert.Equal(Medium.AsSpan(1000, 150_000).ToArray(), range.Body);
        Assert.Equal(Large.Length.ToString(), head.Headers["content-length"]);
        Assert.Equal(Medium, medium.Body);
    }

    /// <summary>
    /// A file larger than the connection's buffers can hold (the client's receive buffer kept small): the first
    /// sendfile takes what fits, the rest goes once the socket has room, from where the first stopped, and the
    /// next answer on the connection follows it.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task Get_FileLargerThanTheSocketHolds_ArrivesWholeAndInOrder()
    {
        var huge = RandomNumberGenerator.GetBytes(16 << 20);
        await _site.DeployAsync([.. Files, new SiteFile("/huge.bin", huge, "application/octet-stream")]);
        await using var edge = await RunningEdge.StartAsync(_store);
        using var client = new TcpClient { ReceiveBufferSize = 16 * 1024 };
        await client.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));

        var reader = new ResponseReader(stream);
        var file = await reader.ReadAsync(hasBody: true);
        var page = await reader.ReadAsync(hasBody: true);

        Assert.Equal(200, file.Status);
        Assert.True(huge.AsSpan().SequenceEqual(file.Body), "the file's bytes differ");
        Assert.Equal("<h1>home</h1>", Encoding.UTF8.GetString(page.Body));
    }

    /// <summary>A blob shorter than its manifest says: 503 before the headers, not 200 and a cut-off body.</summary>
    [Theory(Timeout = 30000)]
    [InlineData("/medium.bin")]
    [InlineData("/large.bin")]
    public async Task Get_BlobFileShorterThanItsEntry_Answers503WithoutTheFilesHeaders(string path)
    {
        var id = await _site.DeployAsync(Files);
        var entry = (await new Releases.ReleaseStore(_store).ReadLiveManifestAsync(id, CancellationToken.None)).Files[path];
        var blob = _directory.Combine("store", "blobs", entry.Hash.Hex);
        await File.WriteAllBytesAsync(blob, (await File.ReadAllBytesAsync(blob))[..1000]);
        await using var edge = await RunningEdge.StartAsync(_store, new ServeOptions { BlobCache = new BlobCacheOptions { MaxBlobBytes = 1 << 20 } });

        using var response = await edge.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Headers.ETag);
        Assert.Contains("cannot be read", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A blob of the right length whose bytes changed: refused, as a blob served from memory is.</summary>
    [Fact(Timeout = 30000)]
    public async Task Get_BlobFileWithOtherBytes_Answers503()
    {
        var id = await _site.DeployAsync(Files);
        var entry = (await new Releases.ReleaseStore(_store).ReadLiveManifestAsync(id, CancellationToken.None)).Files["/medium.bin"];
        var blob = _directory.Combine("store", "blobs", entry.Hash.Hex);
        await File.WriteAllBytesAsync(blob, new byte[Medium.Length]);
        await using var edge = await RunningEdge.StartAsync(_store);

        using var response = await edge.Client.GetAsync("/medium.bin");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    private sealed record Response(int Status, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>Reads HTTP/1.1 responses framed by Content-Length off one stream.</summary>
    private sealed class ResponseReader(Stream stream)
    {
        private readonly List<byte> _pending = [];

        public async Task<Response> ReadAsync(bool hasBody)
        {
            int end;
            while ((end = HeaderEnd()) < 0) await FillAsync();
            var head = Encoding.ASCII.GetString([.. _pending.Take(end)]).Split("\r\n");
            _pending.RemoveRange(0, end + 4);
            var headers = head.Skip(1).Select(line => line.Split(':', 2))
                .ToDictionary(parts => parts[0].Trim().ToLowerInvariant(), parts => parts[1].Trim());
            var length = hasBody ? int.Parse(headers["content-length"]) : 0;
            while (_pending.Count < length) await FillAsync();
            var body = _pending.Take(length).ToArray();
            _pending.RemoveRange(0, length);
            return new Response(int.Parse(head[0].Split(' ')[1]), headers, body);
        }

        private int HeaderEnd()
        {
            for (var i = 0; i + 3 < _pending.Count; i++)
                if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n') return i;
            return -1;
        }

        private async Task FillAsync()
        {
            var buffer = new byte[64 * 1024];
            var read = await stream.ReadAsync(buffer);
            if (read == 0) throw new EndOfStreamException("the server closed the connection");
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }
}
