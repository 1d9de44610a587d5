using Jamdeploy.Model;

namespace Jamdeploy.Edge;

/// <summary>
/// Parsed releases by id, at most <c>capacity</c>, least recently used out. One load per id at a time: the
/// requests that need a release while it loads wait for that load. A failed load is forgotten, so the next
/// request tries again; a missing release is not remembered either (it may be written a moment later).
/// </summary>
internal sealed class ManifestCache(int capacity, Func<ReleaseId, CancellationToken, Task<ServedRelease?>> load)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ReleaseId, LinkedListNode<(ReleaseId Id, Lazy<Task<ServedRelease?>> Load)>> _byId = [];
    private readonly LinkedList<(ReleaseId Id, Lazy<Task<ServedRelease?>> Load)> _recency = new();

    public async Task<ServedRelease?> GetAsync(ReleaseId id, CancellationToken cancellationToken)
    {
        Lazy<Task<ServedRelease?>> loading;
        lock (_gate)
        {
            if (_byId.TryGetValue(id, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                loading = node.Value.Load;
            }
            else
            {
                // Started outside the lock (a store's first request may do slow work before its first await), and
                // not bound to one request's token: other requests may be waiting for the same load.
                loading = new Lazy<Task<ServedRelease?>>(() => load(id, CancellationToken.None));
                _byId[id] = _recency.AddFirst((id, loading));
                while (_byId.Count > capacity)
                {
                    var oldest = _recency.Last!;
                    _recency.RemoveLast();
                    _byId.Remove(oldest.Value.Id);
                }
            }
        }

        try
        {
            var release = await loading.Value.WaitAsync(cancellationToken);
            if (release is null) Forget(id, loading);
            return release;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Forget(id, loading);
            throw;
        }
    }

    private void Forget(ReleaseId id, Lazy<Task<ServedRelease?>> loading)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(id, out var node) && node.Value.Load == loading)
            {
                _recency.Remove(node);
                _byId.Remove(id);
            }
        }
    }
}
