using System.Security.Cryptography;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Microsoft.AspNetCore.Http;

namespace Jamdeploy.Edge;

/// <summary>
/// Writes a blob (or a range of it) to a response. A file on this machine (a blob of the local store, or of the
/// disk cache of a remote one) of at least <see cref="KernelSendMinBytes"/> goes out by sendfile
/// (<see cref="SocketOutput"/>): measured with scripts/bench-serve.sh on a 1 MB blob, this cut serve's CPU per
/// request about five times against copying it from memory through Kestrel. Smaller blobs come from memory
/// (fetched once, checked against their hash): headers and body leave in one send. Without a local file or
/// a socket to send it to (HTTP/2), larger blobs come from memory up to <see cref="BlobCacheOptions.MaxBlobBytes"/>,
/// then from the disk cache when one is configured, else stream from the store (a range is asked of the
/// store, not cut out here).
/// </summary>
internal sealed class BlobReader : IDisposable
{
    /// <summary>
    /// Below this a blob comes from memory even when the kernel could send it: opening a file and a second
    /// send cost more than copying a few kilobytes.
    /// </summary>
    public const long KernelSendMinBytes = 32 * 1024;
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromMinutes(1);
    private const int CopyBufferBytes = 128 * 1024;
    /// <summary>Local blob files already checked against their hash (paths only: a few MB at most).</summary>
    private const int CheckedFilesCapacity = 100_000;

    private readonly IObjectStore _store;
    private readonly ILocalObjectFiles? _localFiles;
    private readonly BlobCacheOptions _options;
    private readonly BoundedCache<ContentHash, byte[]> _memory;
    private readonly BoundedCache<ContentHash, string> _checkedFiles;
    private readonly BlobDiskCache? _disk;
    private readonly Func<ContentHash, Task<Stream>> _openForDisk;
    private readonly Func<ContentHash, long, Task<byte[]>> _fetch;
    private readonly Func<ContentHash, long, Task<string>> _checkFile;
    private readonly CancellationToken _stopping;

    public BlobReader(IObjectStore store, BlobCacheOptions options, CancellationToken stopping)
    {
        _store = store;
        _localFiles = store as ILocalObjectFiles;
        _options = options;
        // Blobs are named by their hash, so a kept blob is never stale.
        _memory = new BoundedCache<ContentHash, byte[]>(options.MaxBytes, bytes => bytes.Length);
        _checkedFiles = new BoundedCache<ContentHash, string>(CheckedFilesCapacity, _ => 1);
        _disk = string.IsNullOrEmpty(options.Directory) ? null : new BlobDiskCache(options.Directory, options.MaxDiskBytes);
        _openForDisk = OpenForDiskAsync;
        _fetch = FetchAsync;
        _checkFile = CheckLocalFileAsync;
        _stopping = stopping;
    }

    public async Task WriteAsync(HttpResponse response, ContentHash hash, long size, ByteRange? range, CancellationToken cancellationToken)
    {
        var from = range?.From ?? 0;
        var length = range?.Length ?? size;
        var kernel = size >= KernelSendMinBytes ? SocketOutput.For(response.HttpContext) : null;
        if (kernel is not null && _localFiles is not null)
        {
            // Opened (and checked) before the headers go: a missing or damaged blob is still a clean 503.
            await using var local = await OpenLocalAsync(hash, size, cancellationToken);
            await kernel.SendFileAsync(response, local, from, length, cancellationToken);
            return;
        }

        if (size <= _options.MaxBlobBytes)
        {
            var bytes = await _memory.GetAsync(hash, size, _fetch, cancellationToken);
            await response.Body.WriteAsync(bytes.AsMemory((int)from, (int)length), cancellationToken);
            return;
        }

        if (_disk is not null)
        {
            var path = await _disk.GetPathAsync(hash, size, _openForDisk, cancellationToken);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            if (kernel is not null)
            {
                await kernel.SendFileAsync(response, file, from, length, cancellationToken);
                return;
            }
            file.Position = from;
            await CopyAsync(file, response.Body, length, cancellationToken);
            return;
        }

        await using var stream = await _store.OpenReadAsync(StoreLayout.Blob(hash), range, cancellationToken) ?? throw Missing(hash);
        await stream.CopyToAsync(response.Body, CopyBufferBytes, cancellationToken);
    }

    /// <summary>
    /// The blob's file in the local store, open and of the right length. A blob small enough for memory is
    /// checked against its hash once, as the memory path checks it; a larger one only by its length, as a
    /// stream from the store is.
    /// </summary>
    private async Task<FileStream> OpenLocalAsync(ContentHash hash, long size, CancellationToken cancellationToken)
    {
        var path = size <= _options.MaxBlobBytes
            ? await _checkedFiles.GetAsync(hash, size, _checkFile, cancellationToken)
            : _localFiles!.FilePath(StoreLayout.Blob(hash));
        var file = OpenLocal(hash, path);
        if (file.Length == size) return file;
        await file.DisposeAsync();
        _checkedFiles.Remove(hash, path);
        throw Corrupt(hash, size, null);
    }

    private FileStream OpenLocal(ContentHash hash, string path)
    {
        try
        {
            // No buffer: the kernel reads the file, never this process. Asynchronous: sendfile (SendPacketsElement) asks for it.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 0, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            _checkedFiles.Remove(hash, path);
            throw Missing(hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"{_store.Location}: could not read blob {hash}: {e.Message}", e);
        }
    }

    private async Task<string> CheckLocalFileAsync(ContentHash hash, long size)
    {
        var path = _localFiles!.FilePath(StoreLayout.Blob(hash));
        await using var file = OpenLocal(hash, path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        timeout.CancelAfter(FetchTimeout);
        if (file.Length != size || ContentHash.FromBytes(await SHA256.HashDataAsync(file, timeout.Token)) != hash)
            throw Corrupt(hash, size, null);
        return path;
    }

    private static async Task CopyAsync(Stream source, Stream target, long length, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            while (length > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), cancellationToken);
                if (read == 0) throw new EndOfStreamException("a cached blob file ended early");
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                length -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The disk cache's fetch outlives any one request (others may wait for it): it ends at server shutdown.
    private async Task<Stream> OpenForDiskAsync(ContentHash hash) =>
        await _store.OpenReadAsync(StoreLayout.Blob(hash), null, _stopping) ?? throw Missing(hash);

    public void Dispose() => _disk?.Dispose();

    private async Task<byte[]> FetchAsync(ContentHash hash, long size)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        timeout.CancelAfter(FetchTimeout);
        await using var stream = await _store.OpenReadAsync(StoreLayout.Blob(hash), null, timeout.Token) ?? throw Missing(hash);
        var bytes = new byte[size];
        try
        {
            await stream.ReadExactlyAsync(bytes, timeout.Token);
        }
        catch (EndOfStreamException e)
        {
            throw Corrupt(hash, size, e);
        }
        if (await stream.ReadAsync(new byte[1], timeout.Token) != 0 || ContentHash.Of(bytes) != hash)
            throw Corrupt(hash, size, null);
        return bytes;
    }

    private CorruptStoreException Missing(ContentHash hash) =>
        new($"{_store.Location}: blob {hash} is missing, but a release being served needs it");

    private CorruptStoreException Corrupt(ContentHash hash, long size, Exception? inner) =>
        new($"{_store.Location}: blob {hash} does not hold the {size} bytes its name promises", inner);
}
