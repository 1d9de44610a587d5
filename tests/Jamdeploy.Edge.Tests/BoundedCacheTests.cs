namespace Jamdeploy.Edge.Tests;

/// <summary>The one cache behind serve's blob memory, blob disk and release caches.</summary>
public sealed class BoundedCacheTests
{
    /// <summary>A loader that counts its calls per key and answers with a fresh string of the key's length.</summary>
    private sealed class Loader
    {
        private readonly Dictionary<string, int> _calls = [];

        public Func<string, int, Task<string>> Load => (key, weight) =>
        {
            lock (_calls) _calls[key] = Calls(key) + 1;
            return Task.FromResult(new string('x', weight));
        };

        public int Calls(string key)
        {
            lock (_calls) return _calls.GetValueOrDefault(key);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_OverCapacityByWeight_EvictsTheLeastRecentlyUsed()
    {
        var evicted = new List<string>();
        var cache = new BoundedCache<string, string>(100, value => value.Length, evicted.Add);
        var loader = new Loader();

        await cache.GetAsync("a", 40, loader.Load, CancellationToken.None);
        await cache.GetAsync("b", 40, loader.Load, CancellationToken.None);
        await cache.GetAsync("a", 40, loader.Load, CancellationToken.None);
        await cache.GetAsync("c", 40, loader.Load, CancellationToken.None);

        Assert.Equal(80, cache.Weight);
        Assert.Equal(40, Assert.Single(evicted).Length);
        await cache.GetAsync("a", 40, loader.Load, CancellationToken.None);
        await cache.GetAsync("c", 40, loader.Load, CancellationToken.None);
        await cache.GetAsync("b", 40, loader.Load, CancellationToken.None);
        Assert.Equal([1, 2, 1], [loader.Calls("a"), loader.Calls("b"), loader.Calls("c")]);
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_OverCapacityByCount_EvictsTheLeastRecentlyUsed()
    {
        var cache = new BoundedCache<string, string>(3, _ => 1);
        var loader = new Loader();

        foreach (var key in new[] { "1", "2", "3", "1", "4" }) await cache.GetAsync(key, 1, loader.Load, CancellationToken.None);

        Assert.Equal(3, cache.Count);
        foreach (var key in new[] { "1", "3", "4", "2" }) await cache.GetAsync(key, 1, loader.Load, CancellationToken.None);
        Assert.Equal([1, 2, 1, 1], [loader.Calls("1"), loader.Calls("2"), loader.Calls("3"), loader.Calls("4")]);
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_ValueHeavierThanTheCapacity_IsReturnedAndKeptUntilTheNextLoad()
    {
        var cache = new BoundedCache<string, string>(10, value => value.Length);
        var loader = new Loader();

        var big = await cache.GetAsync("big", 50, loader.Load, CancellationToken.None);
        await cache.GetAsync("big", 50, loader.Load, CancellationToken.None);
        await cache.GetAsync("small", 5, loader.Load, CancellationToken.None);

        Assert.Equal(50, big.Length);
        Assert.Equal(1, loader.Calls("big"));
        Assert.Equal(5, cache.Weight);
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_ConcurrentMissesForOneKey_LoadOnce()
    {
        var cache = new BoundedCache<string, string>(100, value => value.Length);
        var loads = 0;
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<string, int, Task<string>> load = async (_, _) =>
        {
            Interlocked.Increment(ref loads);
            await proceed.Task;
            return "value";
        };

        // Every caller misses: none of them can finish before the load is let go.
        var waiting = Enumerable.Range(0, 20).Select(_ => cache.GetAsync("k", 0, load, CancellationToken.None).AsTask()).ToList();
        proceed.SetResult();
        var values = await Task.WhenAll(waiting);

        Assert.Equal(1, loads);
        Assert.All(values, value => Assert.Same(values[0], value));
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_LoadFails_EveryWaiterSeesTheFailureAndTheNextCallLoadsAgain()
    {
        var cache = new BoundedCache<string, string>(100, value => value.Length);
        var loads = 0;
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<string, int, Task<string>> load = async (_, _) =>
        {
            if (Interlocked.Increment(ref loads) > 1) return "value";
            await proceed.Task;
            throw new IOException("the store is down");
        };

        var first = cache.GetAsync("k", 0, load, CancellationToken.None).AsTask();
        var second = cache.GetAsync("k", 0, load, CancellationToken.None).AsTask();
        proceed.SetResult();

        await Assert.ThrowsAsync<IOException>(() => first);
        await Assert.ThrowsAsync<IOException>(() => second);
        Assert.Equal(0, cache.Count);
        Assert.Equal("value", await cache.GetAsync("k", 0, load, CancellationToken.None));
        Assert.Equal(2, loads);
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_LoadFindsNothing_NullIsNotKept()
    {
        var cache = new BoundedCache<string, string?>(10, _ => 1);
        var loads = 0;
        Func<string, int, Task<string?>> load = (_, _) => Task.FromResult(Interlocked.Increment(ref loads) == 1 ? null : "written since");

        Assert.Null(await cache.GetAsync("k", 0, load, CancellationToken.None));
        Assert.Equal("written since", await cache.GetAsync("k", 0, load, CancellationToken.None));
        Assert.Equal(2, loads);
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_OneWaiterCancels_TheLoadGoesOnForTheOthersAndIsKept()
    {
        var cache = new BoundedCache<string, string>(100, value => value.Length);
        var loads = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<string, int, Task<string>> load = async (_, _) =>
        {
            Interlocked.Increment(ref loads);
            started.TrySetResult();
            await proceed.Task;
            return "value";
        };
        using var leaving = new CancellationTokenSource();

        var cancelled = cache.GetAsync("k", 0, load, leaving.Token).AsTask();
        await started.Task;
        var staying = cache.GetAsync("k", 0, load, CancellationToken.None).AsTask();
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        proceed.SetResult();

        Assert.Equal("value", await staying);
        Assert.Equal("value", await cache.GetAsync("k", 0, load, CancellationToken.None));
        Assert.Equal(1, loads);
    }

    [Fact(Timeout = 30000)]
    public async Task Remove_OnlyTheValueStillKept_IsDropped()
    {
        var evicted = new List<string>();
        var cache = new BoundedCache<string, string>(100, value => value.Length, evicted.Add);
        var loader = new Loader();
        var first = await cache.GetAsync("k", 3, loader.Load, CancellationToken.None);

        cache.Remove("k", first);
        cache.Remove("k", first);
        var second = await cache.GetAsync("k", 3, loader.Load, CancellationToken.None);
        cache.Remove("k", first);

        Assert.Same(first, Assert.Single(evicted));
        Assert.Same(second, await cache.GetAsync("k", 3, loader.Load, CancellationToken.None));
        Assert.Equal(3, cache.Weight);
    }
}
