using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Win32.SafeHandles;

namespace Jamdeploy.Edge;

/// <summary>
/// The output of one connection, written straight to its socket, so that a file can go out by sendfile(2) (the
/// kernel moves page-cache pages to the socket; no byte is copied through this process) between the bytes
/// Kestrel writes. Kestrel has no zero-copy send of its own (its SendFileAsync copies through a buffer), and
/// its socket transport queues output in a pipe that a loop of its own drains, with no way to know when the
/// headers have reached the socket. Here a flush returns once its bytes are in the socket, so a file sent
/// after a flush follows the headers in order; Kestrel is then told the body was written (it counts the bytes
/// against Content-Length) without any byte being copied.
/// Measured with scripts/bench-serve.sh (1 MB asset, 2 shared cores at load average ~50): serve's CPU per request
/// went from 625–669 µs (memory through Kestrel) to 100–127 µs, nginx's (sendfile) being 85–106 µs in the same runs.
/// </summary>
internal sealed partial class SocketOutput : PipeWriter
{
    /// <summary>First buffer of a flush: a page's headers and body in one send.</summary>
    private const int FirstBufferBytes = 16 * 1024;
    /// <summary>Further buffers of one flush (a large body written from memory): fewer, larger sends.</summary>
    private const int NextBufferBytes = 256 * 1024;
    /// <summary>sendfile takes an int count per call here.</summary>
    private const int MaxFileChunk = 1 << 30;
    /// <summary>Linux's IPPROTO_TCP and TCP_CORK (netinet/tcp.h).</summary>
    private const int IpProtocolTcp = 6, TcpCork = 3;
    private static readonly byte[] CorkOn = BitConverter.GetBytes(1), CorkOff = BitConverter.GetBytes(0);
    /// <summary>Set once libc's sendfile is found missing: every file goes by SendPacketsAsync alone then.</summary>
    private static bool _sendFileMissing;

    /// <summary>
    /// What Kestrel "writes" for bytes the kernel already sent: nothing reads or writes it, so all connections share it.
    /// </summary>
    private static readonly byte[] Discarded = new byte[64 * 1024];

    private readonly Socket _socket;
    private readonly PipeWriter _transport;
    private readonly ConnectionContext _connection;
    private readonly Lock _gate = new();
    private readonly List<(byte[] Buffer, int Length)> _filled = [];
    private byte[]? _buffer;
    private int _length;
    private long _unflushed;
    private long _sentByKernel;
    private bool _sending;
    private bool _closed;
    private bool _completed;

    private SocketOutput(Socket socket, PipeWriter transport, ConnectionContext connection)
    {
        _socket = socket;
        _transport = transport;
        _connection = connection;
    }

    /// <summary>
    /// Kestrel connection middleware: every connection of Kestrel's socket transport writes through a
    /// <see cref="SocketOutput"/>, which requests find in their features.
    /// </summary>
    public static ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            await next(connection);
            return;
        }
        var transport = connection.Transport;
        var output = new SocketOutput(socket, transport.Output, connection);
        connection.Transport = new DuplexPipe(transport.Input, output);
        connection.Features.Set(output);
        try
        {
            await next(connection);
        }
        finally
        {
            output.Complete();
            connection.Transport = transport;
        }
    };

    /// <summary>The connection's socket output, when this response may send a file through it: HTTP/1.x, where the body follows the headers as is.</summary>
    public static SocketOutput? For(HttpContext context) =>
        HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)
            ? context.Features.Get<SocketOutput>()
            : null;

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> as the whole
    /// body of <paramref name="response"/>, whose Content-Length must be <paramref name="count"/>.
    /// </summary>
    public async Task SendFileAsync(HttpResponse response, FileStream file, long offset, long count, CancellationToken cancellationToken)
    {
        if (response.ContentLength != count) throw new InvalidOperationException("a file body needs its Content-Length set first");
        // Corked, the headers wait for the file's first bytes and leave with them in full segments, as nginx's
        // tcp_nopush does. Uncorked (Kestrel sets TCP_NODELAY), the headers left alone, the kernel then held the
        // file back behind them (autocorking) and sent it later from whichever context ran next: on loopback
        // mostly the client's. Measured (1 MB asset, bench-serve's load, interleaved rounds): wrk's CPU per request
        // went from 235-247 to 152-163 µs (against nginx: 147-169), serve's and wrk's together from 321-358 to
        // 300-323 µs, throughput from 0.70-0.83x nginx's to 0.88-0.92x.
        Cork(true);
        try
        {
            await response.StartAsync(cancellationToken);
            // The headers reach the socket before the file does.
            await response.BodyWriter.FlushAsync(cancellationToken);
            lock (_gate)
            {
                if (_closed) throw new ConnectionAbortedException("the connection closed before the body was sent");
                if (_unflushed != 0 || _sending) throw new InvalidOperationException("a file is sent only after every written byte");
            }
            // One sendfile now; what the socket did not take goes by SendPacketsAsync, which waits for room (never a
            // loop of small sends).
            for (var sent = SendFileNow(file, offset, (int)Math.Min(count, MaxFileChunk)); sent < count;)
            {
                var chunk = (int)Math.Min(count - sent, MaxFileChunk);
                await SendFileChunkAsync(file, offset + sent, chunk);
                sent += chunk;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Close(e);
            throw new ConnectionAbortedException("the client went away while a file was sent", e);
        }
        finally
        {
            // Sends the last partial segment now; and the next answer on this connection (a page from memory) is
            // never held back.
            Cork(false);
        }

        // Kestrel counts body bytes against Content-Length (too few and it ends the connection): it writes the
        // count here, and this writer drops those bytes, which the kernel already sent.
        _sentByKernel = count;
        var body = response.BodyWriter;
        for (var left = count; left > 0;)
        {
            var step = (int)Math.Min(left, body.GetMemory().Length);
            body.Advance(step);
            left -= step;
        }
        if (_sentByKernel != 0) throw new InvalidOperationException("the response body was not written through this connection's output");
    }

    /// <summary>TCP_CORK (Linux): while set, the kernel sends only full segments.</summary>
    private void Cork(bool on)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _socket.SetRawSocketOption(IpProtocolTcp, TcpCork, on ? CorkOn : CorkOff);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is gone: nothing is left to send on it.
        }
    }

    /// <summary>
    /// One sendfile(2) on the socket as it stands (Linux): how many bytes it took, 0 if none (its buffer is full,
    /// or the call failed). Most often the socket takes the whole file at once. Through SendPacketsAsync alone the
    /// same send cost an event-args object, a task and the runtime's async send machinery per file: measured (1 MB
    /// asset, interleaved rounds at load 15-20), serve's user CPU per request 39 -> 32 µs, p99 26.6 -> 19.4 ms
    /// (nginx 19.4), throughput 0.77x -> 0.97x nginx's. What it did not take, SendPacketsAsync sends, waiting for
    /// room; it also reports a failure.
    /// </summary>
    private long SendFileNow(FileStream file, long offset, int count)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || _sendFileMissing) return 0;
        try
        {
            return Math.Max(0, (long)sendfile(_socket.SafeHandle, file.SafeFileHandle, ref offset, (nuint)count));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _sendFileMissing = true;
            return 0;
        }
    }

    /// <summary>sendfile(2); off_t is 64 bits on every 64-bit Linux ABI.</summary>
    [LibraryImport("libc", EntryPoint = "sendfile")]
    private static partial nint sendfile(SafeSocketHandle socket, SafeFileHandle file, ref long offset, nuint count);

    private async Task SendFileChunkAsync(FileStream file, long offset, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var send = new SocketAsyncEventArgs { SendPacketsElements = [new SendPacketsElement(file, offset, count, endOfPacket: true)], UserToken = done };
        send.Completed += static (_, args) => FileSent(args);
        if (!_socket.SendPacketsAsync(send)) FileSent(send);
        await done.Task;
        if (send.BytesTransferred != count) throw new SocketException((int)SocketError.ConnectionReset);
    }

    private static void FileSent(SocketAsyncEventArgs args)
    {
        var done = (TaskCompletionSource)args.UserToken!;
        if (args.SocketError == SocketError.Success) done.SetResult();
        else done.SetException(new SocketException((int)args.SocketError));
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_sentByKernel > 0) return sizeHint <= Discarded.Length ? Discarded : new byte[sizeHint];
        var needed = Math.Max(sizeHint, 1);
        if (_buffer is not null && _buffer.Length - _length >= needed) return _buffer.AsMemory(_length);
        lock (_gate)
        {
            if (_buffer is not null)
            {
                if (_length > 0) _filled.Add((_buffer, _length));
                else ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _filled.Count == 0 ? FirstBufferBytes : NextBufferBytes));
            _length = 0;
            return _buffer;
        }
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_sentByKernel > 0)
        {
            if (bytes > _sentByKernel) throw new InvalidOperationException("more body bytes than the file sent");
            _sentByKernel -= bytes;
            return;
        }
        if (_buffer is null || bytes > _buffer.Length - _length) throw new InvalidOperationException("advanced past the buffer");
        _length += bytes;
        _unflushed += bytes;
    }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_closed || _completed) return new(new FlushResult(isCanceled: false, isCompleted: true));
            if (_unflushed == 0) return new(new FlushResult(isCanceled: false, isCompleted: false));
            _sending = true;
        }
        return SendBufferedAsync(cancellationToken);
    }

    private async ValueTask<FlushResult> SendBufferedAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (buffer, length) in _filled) await SendAsync(buffer.AsMemory(0, length), cancellationToken);
            await SendAsync(_buffer.AsMemory(0, _length), cancellationToken);
            return new FlushResult(isCanceled: false, isCompleted: false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Half a send cannot be taken back: the connection is over (as when Kestrel's transport fails a send).
            Close(e);
            return new FlushResult(isCanceled: false, isCompleted: true);
        }
        finally
        {
            lock (_gate)
            {
                _sending = false;
                _unflushed = 0;
                ReturnBuffers();
            }
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }

    /// <summary>A flush cannot be half-cancelled: the connection ends instead, which ends the send.</summary>
    public override void CancelPendingFlush()
    {
        lock (_gate)
        {
            if (!_sending) return;
        }
        Close(null);
    }

    private void Close(Exception? reason)
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
        }
        _connection.Abort(new ConnectionAbortedException("the connection's output failed", reason!));
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
            // Bytes written but never flushed go out through Kestrel's own transport, after everything sent here.
            if (!_closed && !_sending && _unflushed > 0)
            {
                foreach (var (buffer, length) in _filled) _transport.Write(buffer.AsSpan(0, length));
                _transport.Write(_buffer.AsSpan(0, _length));
            }
            if (!_sending) ReturnBuffers();
        }
        _transport.Complete(exception);
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void ReturnBuffers()
    {
        foreach (var (buffer, _) in _filled) ArrayPool<byte>.Shared.Return(buffer);
        _filled.Clear();
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _length = 0;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}
