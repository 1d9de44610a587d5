using System.Collections.Concurrent;

namespace Jamdeploy.Edge;

/// <summary>
/// Values by key, at most <c>capacity</c> in all (each value weighs what <c>weigh</c> says: its bytes, or 1 to
/// bound the count), least recently used out. serve's caches of immutable things (blobs in memory, blob files
/// on disk, parsed releases) are all this one type.
/// <list type="bullet">
/// <item>A hit takes no lock: it is the hot path of every request.</item>
/// <item>Single-flight: concurrent misses for one key share one load. The load is bound to no caller's token
/// (its owner gives it one), so a client that goes away does not fail the others waiting for it.</item>
/// <item>A failed load is not kept, so the next caller tries again; nor is a null value ("not there"), which
/// may exist a moment later.</item>
/// <item>Eviction sorts by last use, so when over capacity it frees a tenth of it at once rather than sorting
/// on every miss. The value just loaded is never the one evicted, even when it alone exceeds the capacity.</item>
/// </list>
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(long capacity, Func<TValue, long> weigh, Action<TValue>? evicted = null)
    where TKey : notnull
    where TValue : class?
{
    private sealed class Entry(TValue value, long weight, long use)
    {
        public TValue Value { get; } = value;
        public long Weight { get; } = weight;
        public long LastUse = use;
    }

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _loading = new();
    private readonly Lock _evictionGate = new();
    private long _weight;
    private long _uses;

    /// <summary>What the kept values weigh in all.</summary>
    public long Weight => Interlocked.Read(ref _weight);

    public int Count => _entries.Count;

    /// <summary>
    /// The value for <paramref name="key"/>, loaded by <paramref name="load"/> (given <paramref name="state"/>, so
    /// callers need no closure) if it is not here. <paramref name="cancellationToken"/> ends this caller's wait,
    /// never the load.
    /// </summary>
    public async ValueTask<TValue> GetAsync<TState>(TKey key, TState state, Func<TKey, TState, Task<TValue>> load, CancellationToken cancellationToken)
    {
        if (TryGet(key, out var hit)) return hit;
        Lazy<Task<TValue>>? mine = null;
        mine = new Lazy<Task<TValue>>(() => LoadAndKeepAsync(key, state, load, mine!));
        return await _loading.GetOrAdd(key, mine).Value.WaitAsync(cancellationToken);
    }

    /// <summary>Drops <paramref name="value"/> if it is still the one kept for <paramref name="key"/> (say, a file someone deleted).</summary>
    public void Remove(TKey key, TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && ReferenceEquals(entry.Value, value)) Drop(key, entry);
    }

    private bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            entry.LastUse = Interlocked.Increment(ref _uses);
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    private async Task<TValue> LoadAndKeepAsync<TState>(TKey key, TState state, Func<TKey, TState, Task<TValue>> load, Lazy<Task<TValue>> self)
    {
        try
        {
            // Off the callers' thread: a load's synchronous start (a store's first request) must not hold up the
            // callers queued on the Lazy behind it.
            await Task.Yield();
            // A load that finished between a caller's miss and its GetOrAdd has already kept its value.
            if (TryGet(key, out var kept)) return kept;
            var value = await load(key, state);
            if (value is null) return value;
            var entry = new Entry(value, weigh(value), Interlocked.Increment(ref _uses));
            if (!_entries.TryAdd(key, entry)) return _entries.TryGetValue(key, out var other) ? other.Value : value;
            if (Interlocked.Add(ref _weight, entry.Weight) > capacity) Evict(key);
            return value;
        }
        finally
        {
            _loading.TryRemove(KeyValuePair.Create(key, self));
        }
    }

    private void Evict(TKey keep)
    {
        lock (_evictionGate)
        {
            var target = capacity - capacity / 10;
            if (Interlocked.Read(ref _weight) <= target) return;
            foreach (var (key, entry) in _entries.OrderBy(e => e.Value.LastUse).ToList())
            {
                if (Interlocked.Read(ref _weight) <= target) break;
                if (!EqualityComparer<TKey>.Default.Equals(key, keep)) Drop(key, entry);
            }
        }
    }

    private void Drop(TKey key, Entry entry)
    {
        if (!_entries.TryRemove(KeyValuePair.Create(key, entry))) return;
        Interlocked.Add(ref _weight, -entry.Weight);
        evicted?.Invoke(entry.Value);
    }
}
