using Jamdeploy.Storage;

namespace Jamdeploy.TestSupport;

/// <summary>
/// A layer around a real store that fails chosen puts and gets, for the faults no real store produces on demand
/// (HTTP-level faults of the S3 store are <see cref="FaultInjectingHandler"/>'s). Every other call goes
/// through unchanged (count them with <see cref="CountingStore"/>).
/// </summary>
public sealed class FaultyStore(IObjectStore inner) : DelegatingStore(inner)
{
    private int _puts;

    /// <summary>Fail the put whose 1-based number (over all puts) this is; 0 never.</summary>
    public int FailPutNumber { get; set; }

    /// <summary>Fail every put whose key starts with this.</summary>
    public string? FailPutsUnder { get; set; }

    private int _failedGets;

    /// <summary>Fail every get of this key, as a read that ran out of retries does.</summary>
    public string? FailGetsOf { get; set; }

    /// <summary>Gets failed by <see cref="FailGetsOf"/> so far.</summary>
    public int FailedGets => _failedGets;

    public override Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (key != FailGetsOf) return Inner.GetAsync(key, cancellationToken);
        Interlocked.Increment(ref _failedGets);
        throw new StoreException($"injected fault on get of {key}");
    }

    public override Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _puts);
        if (number == FailPutNumber || (FailPutsUnder is not null && key.StartsWith(FailPutsUnder, StringComparison.Ordinal)))
            throw new StoreException($"injected fault on put #{number} ({key})");
        return Inner.PutAsync(key, content, condition, cancellationToken);
    }
}
