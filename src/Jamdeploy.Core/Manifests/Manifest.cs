using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Jamdeploy.Model;

namespace Jamdeploy.Manifests;

/// <summary>One file of a release: the blob it resolves to and how to serve it.</summary>
public sealed record ManifestEntry(ContentHash Hash, long Size, string ContentType)
{
    /// <summary>Extra response headers for this path, when configured.</summary>
    public ImmutableSortedDictionary<string, string>? Headers { get; init; }
}

/// <summary>
/// A release: the complete, immutable map from URL path (always starting with <c>/</c>) to blob, with
/// the metadata a user sees in <c>jamdeploy releases</c>.
/// </summary>
public sealed record Manifest(
    ReleaseId Id,
    DateTimeOffset Created,
    ImmutableSortedDictionary<string, ManifestEntry> Files)
{
    public const int CurrentFormat = 1;

    /// <summary>Always in ordinal path order, whatever comparer it was built with: the order it is written and digested in.</summary>
    public ImmutableSortedDictionary<string, ManifestEntry> Files { get; init => field = Ordinal(value); } = Ordinal(Files);

    public int Format { get; init; } = CurrentFormat;
    public string? Message { get; init; }
    public string? Commit { get; init; }

    /// <summary>Where the files came from (the deployed folder, or the release promoted from), for people.</summary>
    public string? Source { get; init; }

    [JsonIgnore]
    public long TotalBytes => Files.Values.Sum(e => e.Size);

    [JsonIgnore]
    public IEnumerable<ContentHash> Blobs => Files.Values.Select(e => e.Hash).Distinct();

    /// <summary>
    /// A SHA-256 over exactly what <see cref="HasSameContentAs"/> compares (paths, blobs, sizes, types,
    /// headers), so two releases that serve the same site have the same digest. The live pointer carries it:
    /// a redeploy of an unchanged folder is recognised without reading the live manifest.
    /// </summary>
    public ContentHash ContentDigest() => DigestOf(Files);

    /// <summary>The <see cref="ContentDigest"/> of files given in ordinal path order, before a manifest is built of them.</summary>
    public static ContentHash DigestOf(IEnumerable<KeyValuePair<string, ManifestEntry>> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new DigestWriter(sha);
        buffer.Text("jamdeploy content v1");
        string? previous = null;
        foreach (var (path, entry) in files)
        {
            if (previous is not null && string.CompareOrdinal(previous, path) >= 0)
                throw new ArgumentException($"files must be in ordinal path order ('{path}' after '{previous}')", nameof(files));
            previous = path;
            buffer.Text(path);
            buffer.Text(entry.Hash.Hex);
            buffer.Number(entry.Size);
            buffer.Text(entry.ContentType);
            buffer.Number(entry.Headers?.Count ?? 0);
            foreach (var (name, value) in entry.Headers ?? ImmutableSortedDictionary<string, string>.Empty)
            {
                buffer.Text(name);
                buffer.Text(value);
            }
        }
        buffer.Flush();
        return ContentHash.FromBytes(sha.GetHashAndReset());
    }

    /// <summary>True when both releases serve the same bytes with the same types and headers at the same paths.</summary>
    public bool HasSameContentAs(Manifest other) =>
        Files.Count == other.Files.Count
        && Files.All(kv => other.Files.TryGetValue(kv.Key, out var o) && SameEntry(kv.Value, o));

    private static ImmutableSortedDictionary<string, ManifestEntry> Ordinal(ImmutableSortedDictionary<string, ManifestEntry> files) =>
        files.KeyComparer == StringComparer.Ordinal ? files : files.WithComparers(StringComparer.Ordinal);

    private static bool SameEntry(ManifestEntry a, ManifestEntry b) =>
        a.Hash == b.Hash && a.Size == b.Size && a.ContentType == b.ContentType
        && (a.Headers ?? ImmutableSortedDictionary<string, string>.Empty).SequenceEqual(b.Headers ?? ImmutableSortedDictionary<string, string>.Empty);
}

/// <summary>Length-prefixed fields batched into one buffer, so the digest is unambiguous and cheap on 10,000 entries.</summary>
file sealed class DigestWriter(IncrementalHash sha)
{
    private readonly byte[] _buffer = new byte[64 << 10];
    private int _used;

    public void Text(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Number(length);
        if (length > _buffer.Length - _used) Flush();
        if (length > _buffer.Length)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(value));
            return;
        }
        _used += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_used));
    }

    public void Number(long value)
    {
        if (_buffer.Length - _used < sizeof(long)) Flush();
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_used), value);
        _used += sizeof(long);
    }

    public void Flush()
    {
        sha.AppendData(_buffer, 0, _used);
        _used = 0;
    }
}
