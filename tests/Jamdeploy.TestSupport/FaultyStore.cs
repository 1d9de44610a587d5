using Jamdeploy.Storage;

namespace Jamdeploy.TestSupport;

/// <summary>
/// A layer around a real store that fails chosen puts, for the faults no real store produces on demand.
/// Every other call goes through unchanged (count them with <see cref="CountingStore"/>).
/// </summary>
public sealed class FaultyStore(IObjectStore inner) : IObjectStore
{
    private int _puts;

    /// <summary>Fail the put whose 1-based number (over all puts) this is; 0 never.</summary>
    public int FailPutNumber { get; set; }

    /// <summary>Fail every put whose key starts with this.</summary>
    public string? FailPutsUnder { get; set; }

    public string Location => inner.Location;

    public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) =>
        inner.GetAsync(key, cancellationToken);

    public Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(key, range, cancellationToken);

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken) =>
        inner.HeadAsync(key, cancellationToken);

    public Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _puts);
        if (number == FailPutNumber || (FailPutsUnder is not null && key.StartsWith(FailPutsUnder, StringComparison.Ordinal)))
            throw new StoreException($"injected fault on put #{number} ({key})");
        return inner.PutAsync(key, content, condition, cancellationToken);
    }

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) =>
        inner.ListAsync(prefix, cancellationToken);

    public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        inner.DeleteAsync(keys, cancellationToken);
}
