using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Jamdeploy.TestSupport.S3;

/// <summary>One request that went through the proxy.</summary>
public sealed record ProxiedRequest(string Method, string Path, long BodyBytes)
{
    /// <summary>The object key, for a path-style URL (<c>/bucket/key</c>), without the query.</summary>
    public string Key => Path.Split('?')[0].Split('/', 3) is [_, _, var key] ? Uri.UnescapeDataString(key) : "";

    /// <summary>The User-Agent the request came with: the AWS SDK's client and jamdeploy's direct reads are told apart by it.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Sent by the AWS SDK's client (not a direct read).</summary>
    public bool FromSdk => UserAgent?.StartsWith("aws-sdk-dotnet", StringComparison.OrdinalIgnoreCase) == true;

    public bool IsQuery(string name) => Path.Contains('?') && Path[(Path.IndexOf('?') + 1)..].Split('&').Any(p => p.Split('=')[0] == name);

    internal TaskCompletionSource AnswerStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once the store's answer to this request starts back to the client (the store has applied it),
    /// or its connection ends without one (cut by the gate, a killed client).
    /// </summary>
    public Task Answered => AnswerStarted.Task;
}

/// <summary>
/// A loopback TCP proxy in front of moto for tests of real <c>jamdeploy</c> processes, which a handler
/// inside the test cannot reach: it counts their requests and can hold or drop any of them (a barrier
/// that makes deploys race at the flip, a stall that freezes an upload before a SIGKILL). Request bodies
/// and responses pass through untouched; only request heads are read.
/// </summary>
public sealed class S3Proxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public S3Proxy(string targetEndpoint)
    {
        _target = new Uri(targetEndpoint);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>
    /// Decides, before a request goes on to the store, whether it goes (true) or its connection is cut
    /// (false); it may wait. Null lets everything through.
    /// </summary>
    public Func<ProxiedRequest, CancellationToken, Task<bool>>? Gate { get; set; }

    /// <summary>Requests forwarded to the store, in the order they went.</summary>
    public IReadOnlyList<ProxiedRequest> Requests => [.. _requests];

    public void Clear() => _requests.Clear();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        var awaitingAnswer = new ConcurrentQueue<ProxiedRequest>();
        try
        {
            await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var fromClient = client.GetStream();
            var toServer = server.GetStream();
            var responses = CopyResponsesAsync(toServer, fromClient, awaitingAnswer);
            var reader = new HeadReader(fromClient);
            while (await reader.ReadHeadAsync(_stop.Token) is { } head)
            {
                var request = new ProxiedRequest(head.Method, head.Path, head.ContentLength) { UserAgent = head.UserAgent };
                awaitingAnswer.Enqueue(request);
                if (Gate is { } gate && !await gate(request, _stop.Token)) return;
                _requests.Enqueue(request);
                await toServer.WriteAsync(head.Bytes, _stop.Token);
                await reader.CopyBodyAsync(toServer, head.ContentLength, _stop.Token);
            }
            server.Client.Shutdown(SocketShutdown.Send);
            await responses;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side went away (a killed client, a closed keep-alive): the other is closed with it.
        }
        finally
        {
            // No answer is coming on this connection any more: nobody waits on one forever.
            while (awaitingAnswer.TryDequeue(out var unanswered)) unanswered.AnswerStarted.TrySetResult();
        }
    }

    /// <summary>
    /// Relays the store's answers. The SDK sends the next request on a connection only after the last answer,
    /// so the first bytes back after a request are its answer.
    /// </summary>
    private static async Task CopyResponsesAsync(NetworkStream from, NetworkStream to, ConcurrentQueue<ProxiedRequest> awaitingAnswer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                if (!IsOnlyInterimAnswer(buffer.AsSpan(0, read)))
                    while (awaitingAnswer.TryDequeue(out var answered)) answered.AnswerStarted.TrySetResult();
                await to.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A <c>100 Continue</c> alone is not the answer.</summary>
    private static bool IsOnlyInterimAnswer(ReadOnlySpan<byte> chunk) =>
        chunk.StartsWith("HTTP/1.1 1"u8) && chunk.IndexOf("\r\n\r\n"u8) == chunk.Length - 4;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private sealed record Head(byte[] Bytes, string Method, string Path, long ContentLength, string? UserAgent);

    /// <summary>Reads HTTP/1.1 request heads and Content-Length bodies off a connection (the SDK never sends chunked bodies).</summary>
    private sealed class HeadReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<Head?> ReadHeadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    var bytes = _buffer.AsSpan(_start, end + 4).ToArray();
                    _start += end + 4;
                    return Parse(bytes);
                }
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                if (_end == _buffer.Length) throw new IOException("request head too large");
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
                if (read == 0) return null;
                _end += read;
            }
        }

        public async Task CopyBodyAsync(Stream to, long length, CancellationToken cancellationToken)
        {
            while (length > 0)
            {
                if (_start == _end)
                {
                    _start = _end = 0;
                    var read = await stream.ReadAsync(_buffer, cancellationToken);
                    if (read == 0) throw new IOException("client closed mid-body");
                    _end = read;
                }
                var chunk = (int)Math.Min(length, _end - _start);
                await to.WriteAsync(_buffer.AsMemory(_start, chunk), cancellationToken);
                _start += chunk;
                length -= chunk;
            }
        }

        private static Head Parse(byte[] bytes)
        {
            var lines = Encoding.ASCII.GetString(bytes).Split("\r\n");
            var requestLine = lines[0].Split(' ');
            long length = 0;
            string? userAgent = null;
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon < 0) continue;
                var name = line[..colon].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = long.Parse(line[(colon + 1)..].Trim());
                if (name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)) userAgent = line[(colon + 1)..].Trim();
                if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    throw new NotSupportedException("chunked request bodies are not relayed");
            }
            return new Head(bytes, requestLine[0], requestLine[1], length, userAgent);
        }
    }
}
