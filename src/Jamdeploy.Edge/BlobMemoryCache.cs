using System.Collections.Concurrent;
using Jamdeploy.Model;

namespace Jamdeploy.Edge;

/// <summary>
/// Small blobs held in memory, at most <c>maxBytes</c> in all, least recently used out. Blobs are named by
/// their hash, so an entry is never stale. Concurrent requests for one cold blob share one fetch
/// (single-flight); the fetch is not bound to any one request, so a client that goes away does not fail the
/// others waiting for it.
/// </summary>
internal sealed class BlobMemoryCache(long maxBytes)
{
    private sealed class Entry(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;
        public long LastUse = Environment.TickCount64;
    }

    private readonly ConcurrentDictionary<ContentHash, Entry> _entries = new();
    private readonly ConcurrentDictionary<ContentHash, Lazy<Task<byte[]>>> _fetching = new();
    private readonly Lock _evictionGate = new();
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public async ValueTask<byte[]> GetAsync(ContentHash hash, long size, Func<ContentHash, long, Task<byte[]>> fetch, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(hash, out var hit))
        {
            hit.LastUse = Environment.TickCount64;
            return hit.Bytes;
        }
        var lazy = _fetching.GetOrAdd(hash, h => new Lazy<Task<byte[]>>(() => FetchAndKeepAsync(h, size, fetch)));
        return await lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<byte[]> FetchAndKeepAsync(ContentHash hash, long size, Func<ContentHash, long, Task<byte[]>> fetch)
    {
        try
        {
            var bytes = await fetch(hash, size);
            if (_entries.TryAdd(hash, new Entry(bytes)) && Interlocked.Add(ref _bytes, bytes.Length) > maxBytes) Evict();
            return bytes;
        }
        finally
        {
            _fetching.TryRemove(hash, out _);
        }
    }

    /// <summary>Drops the least recently used entries until a tenth of the budget is free again.</summary>
    private void Evict()
    {
        lock (_evictionGate)
        {
            var target = maxBytes - maxBytes / 10;
            if (Interlocked.Read(ref _bytes) <= target) return;
            foreach (var (hash, entry) in _entries.OrderBy(e => e.Value.LastUse).ToList())
            {
                if (Interlocked.Read(ref _bytes) <= target) break;
                if (_entries.TryRemove(hash, out _)) Interlocked.Add(ref _bytes, -entry.Bytes.Length);
            }
        }
    }
}
