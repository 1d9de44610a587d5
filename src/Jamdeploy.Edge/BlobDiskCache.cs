using System.Security.Cryptography;
using Jamdeploy.Model;

namespace Jamdeploy.Edge;

/// <summary>
/// Blobs too large for memory, kept as files in a private folder of this process (removed on dispose), at
/// most <c>maxBytes</c> in all, least recently used out. For a remote store (S3): a blob is fetched once,
/// checked against its hash while it is written, and then served from local disk. Concurrent requests for
/// one cold blob share one fetch. Blobs are immutable, so a cached file is never stale; an evicted file
/// that a response is still reading stays readable until that response closes it.
/// </summary>
internal sealed class BlobDiskCache : IDisposable
{
    private sealed record CachedFile(string Path, long Size);

    private const int CopyBufferBytes = 128 * 1024;
    private readonly string _directory;
    private readonly BoundedCache<ContentHash, CachedFile> _files;
    private readonly Func<ContentHash, (long, Func<ContentHash, Task<Stream>>), Task<CachedFile>> _fetch;

    public BlobDiskCache(string parentDirectory, long maxBytes)
    {
        _directory = Path.Combine(parentDirectory, $"jamdeploy-serve-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"configuration Serve:BlobCache:Directory '{parentDirectory}' cannot hold the blob cache ({e.Message}); give a writable folder", e);
        }
        _files = new BoundedCache<ContentHash, CachedFile>(maxBytes, file => file.Size, file => File.Delete(file.Path));
        _fetch = FetchAsync;
    }

    public long Bytes => _files.Weight;

    /// <summary>The path of the blob's file, fetched through <paramref name="open"/> if it is not here yet.</summary>
    public async Task<string> GetPathAsync(ContentHash hash, long size, Func<ContentHash, Task<Stream>> open, CancellationToken cancellationToken)
    {
        var file = await _files.GetAsync(hash, (size, open), _fetch, cancellationToken);
        if (File.Exists(file.Path)) return file.Path;
        // Someone removed the file under us (a temp-folder sweep): forget it and fetch it again.
        _files.Remove(hash, file);
        return (await _files.GetAsync(hash, (size, open), _fetch, cancellationToken)).Path;
    }

    private async Task<CachedFile> FetchAsync(ContentHash hash, (long Size, Func<ContentHash, Task<Stream>> Open) blob)
    {
        var (size, open) = blob;
        // A name of its own for each fetch: when an evicted entry's delete runs after the blob was fetched
        // again, it removes the old file, never the new one.
        var final = Path.Combine(_directory, $"{hash.Hex}.{Guid.NewGuid():N}");
        var temp = Path.Combine(_directory, ".tmp-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var source = await open(hash))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferBytes, FileOptions.Asynchronous))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[CopyBufferBytes];
                long written = 0;
                int read;
                while ((read = await source.ReadAsync(buffer)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read));
                    written += read;
                }
                if (written != size || ContentHash.FromBytes(sha.GetHashAndReset()) != hash)
                    throw new CorruptStoreException($"blob {hash} does not hold the {size} bytes its name promises");
            }
            File.Move(temp, final);
            return new CachedFile(final, size);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
