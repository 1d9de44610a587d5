namespace Jamdeploy.Storage;

/// <summary>Counts the operations that pass through to a store, by kind: for benchmarks and request budgets.</summary>
public sealed class CountingStore(IObjectStore inner) : IObjectStore
{
    private long _gets, _opens, _heads, _puts, _lists, _deletes, _bytesPut;

    public string Location => inner.Location;

    public StoreOperationCounts Counts => new(
        Interlocked.Read(ref _gets), Interlocked.Read(ref _opens), Interlocked.Read(ref _heads),
        Interlocked.Read(ref _puts), Interlocked.Read(ref _lists), Interlocked.Read(ref _deletes), Interlocked.Read(ref _bytesPut));

    public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _gets);
        return inner.GetAsync(key, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _opens);
        return inner.OpenReadAsync(key, range, cancellationToken);
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _heads);
        return inner.HeadAsync(key, cancellationToken);
    }

    public Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _puts);
        Interlocked.Add(ref _bytesPut, content.Length);
        return inner.PutAsync(key, content, condition, cancellationToken);
    }

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        return inner.ListAsync(prefix, cancellationToken);
    }

    public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _deletes, keys.Count);
        return inner.DeleteAsync(keys, cancellationToken);
    }
}

public sealed record StoreOperationCounts(long Gets, long Opens, long Heads, long Puts, long Lists, long Deletes, long BytesPut)
{
    public long Total => Gets + Opens + Heads + Puts + Lists + Deletes;

    public override string ToString() =>
        $"{Total} ops (get {Gets}, head {Heads}, put {Puts}, list {Lists}, delete {Deletes}, open {Opens}; {BytesPut} bytes put)";
}
