using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Jamdeploy.Storage;

namespace Jamdeploy.Edge.Tests.Support;

/// <summary>A complete in-process store (conditional writes included), for edge tests that need no disk.</summary>
public sealed class MemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string ETag, DateTimeOffset At)> _objects = new(StringComparer.Ordinal);
    private readonly Lock _writeGate = new();

    public string Location => "memory://edge-tests";

    public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var o) ? new StoredObject(o.Bytes, o.ETag) : null);

    public Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        if (!_objects.TryGetValue(key, out var o)) return Task.FromResult<Stream?>(null);
        var from = (int)(range?.From ?? 0);
        var length = (int)(range?.Length ?? o.Bytes.Length);
        return Task.FromResult<Stream?>(new MemoryStream(o.Bytes, from, length, writable: false));
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var o) ? new ObjectInfo(key, o.Bytes.Length, o.At, o.ETag) : null);

    public async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        await using var source = content.Open();
        using var buffer = new MemoryStream();
        await source.CopyToAsync(buffer, cancellationToken);
        lock (_writeGate)
        {
            var exists = _objects.TryGetValue(key, out var current);
            if (condition.Mode == WriteMode.IfAbsent && exists) return WriteResult.ConditionFailed;
            if (condition.Mode == WriteMode.IfMatch && (!exists || current.ETag != condition.ETag)) return WriteResult.ConditionFailed;
            var etag = Guid.NewGuid().ToString("N");
            _objects[key] = (buffer.ToArray(), etag, DateTimeOffset.UtcNow);
            return new WriteResult(true, etag);
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var (key, o) in _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            yield return new ObjectInfo(key, o.Bytes.Length, o.At, o.ETag);
    }

    public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys) _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}
