namespace Jamdeploy.Storage;

/// <summary>
/// The store port: one site's objects under one prefix. Keys are relative to that prefix and are
/// made only by <see cref="StoreLayout"/>. Implementations: a local directory and S3.
/// </summary>
public interface IObjectStore
{
    /// <summary>Where the store is, for messages: a directory path or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>A small document with its version tag, or null when the key does not exist.</summary>
    Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>A stream over the object (or the given range of it), or null when the key does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken);

    /// <summary>Size and age of an object, or null when the key does not exist.</summary>
    Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an object under a condition. A condition that does not hold is not an error: the result
    /// says <see cref="WriteResult.Written"/> false and the caller decides what it means.
    /// </summary>
    Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes the keys; a key already gone is not an error.</summary>
    Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);
}

/// <summary>An object's bytes and the tag that a later compare-and-swap must name.</summary>
public sealed record StoredObject(byte[] Content, string ETag);

public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified, string? ETag);

public sealed record WriteResult(bool Written, string? ETag)
{
    public static WriteResult ConditionFailed { get; } = new(false, null);
}

/// <summary>An inclusive byte range, as HTTP Range gives it.</summary>
public readonly record struct ByteRange(long From, long To)
{
    public long Length => To - From + 1;
}

public enum WriteMode
{
    /// <summary>Plain put.</summary>
    Overwrite,
    /// <summary>Put only if no object has the key (If-None-Match: *).</summary>
    IfAbsent,
    /// <summary>Put only if the object still has the tag read before (If-Match): the compare-and-swap.</summary>
    IfMatch,
}

public sealed record WriteCondition(WriteMode Mode, string? ETag = null)
{
    public static WriteCondition None { get; } = new(WriteMode.Overwrite);
    public static WriteCondition IfAbsent { get; } = new(WriteMode.IfAbsent);
    public static WriteCondition IfMatch(string etag) => new(WriteMode.IfMatch, etag);

    /// <summary>Swap against what was read: a tag if there was an object, absence if there was none.</summary>
    public static WriteCondition Expecting(string? etag) => etag is null ? IfAbsent : IfMatch(etag);
}
