using Jamdeploy.Storage;

namespace Jamdeploy.TestSupport;

/// <summary>
/// Passes every call to the real store; the test layers around a store (faults, interception, a clock,
/// crashes) derive from it and override only the calls they change.
/// </summary>
public abstract class DelegatingStore(IObjectStore inner) : IObjectStore
{
    protected IObjectStore Inner => inner;

    public string Location => inner.Location;

    public virtual Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public virtual Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(key, range, cancellationToken);

    public virtual Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken) => inner.HeadAsync(key, cancellationToken);

    public virtual Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken) =>
        inner.PutAsync(key, content, condition, cancellationToken);

    public virtual IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public virtual Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) => inner.DeleteAsync(keys, cancellationToken);
}
