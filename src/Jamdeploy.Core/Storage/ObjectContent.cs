using Jamdeploy.Model;

namespace Jamdeploy.Storage;

/// <summary>
/// What to write: re-openable (a retry sends the whole body again), with its SHA-256 already known so
/// the store can reject a corrupted body and nothing is hashed twice.
/// </summary>
public sealed record ObjectContent(
    Func<Stream> Open,
    long Length,
    ContentHash Sha256,
    string ContentType,
    string? CacheControl = null,
    string? FilePath = null)
{
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    public static ObjectContent FromBytes(byte[] bytes, string contentType, string? cacheControl = null) =>
        new(() => new MemoryStream(bytes, writable: false), bytes.Length, ContentHash.Of(bytes), contentType, cacheControl);

    public static ObjectContent FromFile(string path, long length, ContentHash sha256, string contentType, string? cacheControl = null) =>
        new(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan),
            length, sha256, contentType, cacheControl, path);
}
