using System.Collections.Concurrent;
using Jamdeploy.Storage;

namespace Jamdeploy.Edge.Tests.Support;

/// <summary>
/// A layer around a real store that counts reads and lets a test hold or fail them, so the edge runs its
/// production code path against the real store underneath.
/// </summary>
public sealed class InterceptingStore(IObjectStore inner) : IObjectStore
{
    private readonly ConcurrentDictionary<string, int> _opens = new();

    public string Location => inner.Location;

    /// <summary>Runs after a document was read from the inner store and before it is returned.</summary>
    public Func<string, StoredObject?, Task>? AfterGet { get; set; }

    /// <summary>Runs before a stream is opened on the inner store.</summary>
    public Func<string, Task>? BeforeOpenRead { get; set; }

    public int OpenReads(string key) => _opens.GetValueOrDefault(key);

    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await inner.GetAsync(key, cancellationToken);
        if (AfterGet is { } hook) await hook(key, stored);
        return stored;
    }

    public async Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        _opens.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (BeforeOpenRead is { } hook) await hook(key);
        return await inner.OpenReadAsync(key, range, cancellationToken);
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken) => inner.HeadAsync(key, cancellationToken);

    public Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken) =>
        inner.PutAsync(key, content, condition, cancellationToken);

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) => inner.DeleteAsync(keys, cancellationToken);
}

/// <summary>A clock that moves only when the test says so.</summary>
public sealed class ManualTime : TimeProvider
{
    private long _timestamp = 1;

    public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, (long)(by.TotalSeconds * TimestampFrequency));
}
