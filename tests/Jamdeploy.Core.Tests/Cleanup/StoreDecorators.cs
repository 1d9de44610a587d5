using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Cleanup;

/// <summary>
/// Makes the store keep the test's clock: an object written through it reports the fake time of its
/// write as its last-modified time, as if the store's own clock were the fake one. Without it a test
/// could not have objects that are days old next to objects that were just written.
/// </summary>
public sealed class ClockedStore(IObjectStore inner, TimeProvider clock) : DelegatingStore(inner)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _written = new(StringComparer.Ordinal);

    public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        // Stamped before the object becomes visible, as a real store does atomically: a listing between
        // the write and a later stamp would show the real time, days away from the fake one.
        var before = _written.TryGetValue(key, out var stamped) ? stamped : (DateTimeOffset?)null;
        _written[key] = clock.GetUtcNow();
        var result = await Inner.PutAsync(key, content, condition, cancellationToken);
        if (!result.Written)
        {
            if (before is { } previous) _written[key] = previous;
            else _written.TryRemove(key, out _);
        }
        return result;
    }

    public override async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken) =>
        await Inner.HeadAsync(key, cancellationToken) is { } info ? Stamped(info) : null;

    public override async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var info in Inner.ListAsync(prefix, cancellationToken)) yield return Stamped(info);
    }

    public override async Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        await Inner.DeleteAsync(keys, cancellationToken);
        foreach (var key in keys) _written.TryRemove(key, out _);
    }

    private ObjectInfo Stamped(ObjectInfo info) => _written.TryGetValue(info.Key, out var at) ? info with { LastModified = at } : info;
}

/// <summary>Thrown by <see cref="CrashingStore"/>: stands for the process dying, so nothing catches it.</summary>
public sealed class SimulatedCrash(string message) : Exception(message);

/// <summary>
/// Lets <c>allowedDeletes</c> keys be deleted, then "crashes" in the middle of the batch that crosses the
/// limit, with the keys before the limit already gone: a kill -9 between two deletions of a batch.
/// </summary>
public sealed class CrashingStore(IObjectStore inner, int allowedDeletes) : DelegatingStore(inner)
{
    private bool _crashed;

    /// <summary>Objects deleted before the crash.</summary>
    public int Deleted { get; private set; }

    public override async Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        Alive();
        var allowed = keys.Take(Math.Max(0, allowedDeletes - Deleted)).ToList();
        if (allowed.Count > 0) await Inner.DeleteAsync(allowed, cancellationToken);
        Deleted += allowed.Count;
        if (allowed.Count < keys.Count)
        {
            _crashed = true;
            throw new SimulatedCrash($"crashed after {Deleted} deletions");
        }
    }

    // A crashed process makes no further calls: it cannot give back the store lease either.
    public override Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        Alive();
        return base.GetAsync(key, cancellationToken);
    }

    public override Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        Alive();
        return base.PutAsync(key, content, condition, cancellationToken);
    }

    private void Alive()
    {
        if (_crashed) throw new SimulatedCrash("the process is gone");
    }
}

/// <summary>Records every delete batch, so a test can see their sizes and order.</summary>
public sealed class RecordingStore(IObjectStore inner) : DelegatingStore(inner)
{
    private readonly ConcurrentQueue<IReadOnlyList<string>> _batches = new();

    public IReadOnlyList<IReadOnlyList<string>> Batches => [.. _batches];

    public override async Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        _batches.Enqueue([.. keys]);
        await Inner.DeleteAsync(keys, cancellationToken);
    }
}

/// <summary>
/// Runs an action once, just before the first listing of a prefix is handed out: a way to make
/// something happen at an exact point of a cleanup run (a deploy, a promote) without timing.
/// </summary>
public sealed class InterleavingStore(IObjectStore inner, string prefix, int onListing, Func<Task> action) : DelegatingStore(inner)
{
    private int _listings;

    public bool Ran { get; private set; }

    public override async IAsyncEnumerable<ObjectInfo> ListAsync(string listPrefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (listPrefix == prefix && Interlocked.Increment(ref _listings) == onListing)
        {
            await action();
            Ran = true;
        }
        await foreach (var info in Inner.ListAsync(listPrefix, cancellationToken)) yield return info;
    }
}

/// <summary>Signals when a write of the store lease is refused: its caller found it held and now waits.</summary>
public sealed class LeaseContentionSignal(IObjectStore inner, TaskCompletionSource refused) : DelegatingStore(inner)
{
    public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var result = await Inner.PutAsync(key, content, condition, cancellationToken);
        if (key == StoreLayout.LeaseKey && !result.Written) refused.TrySetResult();
        return result;
    }
}

/// <summary>
/// Holds every put under a prefix until the test lets it go: a deploy whose manifest write is slow (a slow
/// link, a stalled request) at an exact point, without timing.
/// </summary>
public sealed class HoldingStore(IObjectStore inner, string prefix) : DelegatingStore(inner)
{
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first put under the prefix arrived and is being held.</summary>
    public Task Holding => _holding.Task;

    public void Release() => _released.TrySetResult();

    public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (key.StartsWith(prefix, StringComparison.Ordinal))
        {
            _holding.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }
        return await Inner.PutAsync(key, content, condition, cancellationToken);
    }
}

/// <summary>
/// Runs an action once around the first write of the live pointer through it (for a cleanup, its mark): before it
/// is sent, or after it landed. A way to put a flip at an exact point of a cleanup run without timing.
/// </summary>
public sealed class PointerWriteHook(IObjectStore inner, Func<Task>? before = null, Func<Task>? after = null) : DelegatingStore(inner)
{
    private int _writes;

    public bool Ran { get; private set; }

    public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var first = key == StoreLayout.LiveKey && Interlocked.Increment(ref _writes) == 1;
        if (first && before is not null) await before();
        var result = await Inner.PutAsync(key, content, condition, cancellationToken);
        if (first && after is not null) await after();
        Ran |= first;
        return result;
    }
}
