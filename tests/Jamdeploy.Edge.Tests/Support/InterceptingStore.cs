using System.Collections.Concurrent;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests.Support;

/// <summary>
/// A layer around a real store that counts reads and lets a test hold or fail them, so the edge runs its
/// production code path against the real store underneath.
/// </summary>
public sealed class InterceptingStore(IObjectStore inner) : DelegatingStore(inner)
{
    private readonly ConcurrentDictionary<string, int> _opens = new();

    /// <summary>Runs after a document was read from the inner store and before it is returned.</summary>
    public Func<string, StoredObject?, Task>? AfterGet { get; set; }

    /// <summary>Runs before a stream is opened on the inner store.</summary>
    public Func<string, Task>? BeforeOpenRead { get; set; }

    public int OpenReads(string key) => _opens.GetValueOrDefault(key);

    public override async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await Inner.GetAsync(key, cancellationToken);
        if (AfterGet is { } hook) await hook(key, stored);
        return stored;
    }

    public override async Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        _opens.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (BeforeOpenRead is { } hook) await hook(key);
        return await Inner.OpenReadAsync(key, range, cancellationToken);
    }
}
