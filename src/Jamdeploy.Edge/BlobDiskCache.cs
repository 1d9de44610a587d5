using System.Collections.Concurrent;
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
    private sealed class Entry(string path, long size)
    {
        public string Path { get; } = path;
        public long Size { get; } = size;
        public long LastUse = Environment.TickCount64;
    }

    private const int CopyBufferBytes = 128 * 1024;
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly ConcurrentDictionary<ContentHash, Entry> _entries = new();
    private readonly ConcurrentDictionary<ContentHash, Lazy<Task<Entry>>> _fetching = new();
    private readonly Lock _evictionGate = new();
    private long _bytes;

    public BlobDiskCache(string parentDirectory, long maxBytes)
    {
        _directory = Path.Combine(parentDirectory, $"jamdeploy-serve-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _maxBytes = maxBytes;
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The path of the blob's file, fetched through <paramref name="open"/> if it is not here yet.</summary>
    public async Task<string> GetPathAsync(ContentHash hash, long size, Func<ContentHash, Task<Stream>> open, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(hash, out var hit) && File.Exists(hit.Path))
        {
            hit.LastUse = Environment.TickCount64;
            return hit.Path;
        }
        var lazy = _fetching.GetOrAdd(hash, h => new Lazy<Task<Entry>>(() => FetchAsync(h, size, open)));
        return (await lazy.Value.WaitAsync(cancellationToken)).Path;
    }

    private async Task<Entry> FetchAsync(ContentHash hash, long size, Func<ContentHash, Task<Stream>> open)
    {
        var final = Path.Combine(_directory, hash.Hex);
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
            File.Move(temp, final, overwrite: true);
            var entry = new Entry(final, size);
            if (_entries.TryAdd(hash, entry) && Interlocked.Add(ref _bytes, size) > _maxBytes) Evict(hash);
            return _entries.GetValueOrDefault(hash, entry);
        }
        finally
        {
            File.Delete(temp);
            _fetching.TryRemove(hash, out _);
        }
    }

    /// <summary>Deletes the least recently used files (never the one just fetched) until a tenth of the budget is free.</summary>
    private void Evict(ContentHash keep)
    {
        lock (_evictionGate)
        {
            var target = _maxBytes - _maxBytes / 10;
            foreach (var (hash, entry) in _entries.OrderBy(e => e.Value.LastUse).ToList())
            {
                if (Interlocked.Read(ref _bytes) <= target) break;
                if (hash == keep || !_entries.TryRemove(hash, out _)) continue;
                Interlocked.Add(ref _bytes, -entry.Size);
                File.Delete(entry.Path);
            }
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
