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

    /// <summary>A body that did not hash to its declared SHA-256 while a store read it: a file rewritten mid-deploy.</summary>
    public StoreException ChangedWhileStored(string key, ContentHash actual) =>
        new($"refused {key}: its content changed while it was being stored (SHA-256 {actual.Short}…, expected {Sha256.Short}…); rerun the deploy once the folder is stable");

    /// <remarks>
    /// Unbuffered: every reader reads in blocks of its own (the S3 client's copy buffer, a part, a copy to a file),
    /// so a FileStream buffer would only be one more 64 KiB allocation per file uploaded.
    /// </remarks>
    public static ObjectContent FromFile(string path, long length, ContentHash sha256, string contentType, string? cacheControl = null) =>
        new(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan),
            length, sha256, contentType, cacheControl, path);
}
