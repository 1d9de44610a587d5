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

    /// <summary>
    /// The same content precompressed, by content-coding (<c>br</c>, <c>gzip</c>): blobs of their own, named by the
    /// SHA-256 of the compressed bytes. The edges pick the smallest one the request accepts.
    /// </summary>
    public ImmutableSortedDictionary<string, EncodedBlob>? Encodings { get; init; }
}

/// <summary>A precompressed form of a file: its blob and its size in bytes.</summary>
public sealed record EncodedBlob(ContentHash Hash, long Size);

/// <summary>
/// How the site asked to be served (<c>_headers</c>, <c>_redirects</c>, jamdeploy.json's Site section): kept in the
/// release, so a rollback or promote brings its rules back with its files. Order matters: redirects apply first
/// match first, headers of every matching rule apply in order.
/// </summary>
public sealed record SiteRules(ImmutableArray<HeaderRule> Headers, ImmutableArray<RedirectRule> Redirects)
{
    public bool SameAs(SiteRules? other) =>
        other is not null
        && Headers.AsSpan().SequenceEqual(other.Headers.AsSpan(), HeaderRuleComparer.Instance)
        && Redirects.AsSpan().SequenceEqual(other.Redirects.AsSpan());

    private sealed class HeaderRuleComparer : IEqualityComparer<HeaderRule>
    {
        public static readonly HeaderRuleComparer Instance = new();

        public bool Equals(HeaderRule? x, HeaderRule? y) =>
            x is not null && y is not null && x.Path == y.Path && x.Headers.SequenceEqual(y.Headers);

        public int GetHashCode(HeaderRule obj) => obj.Path.GetHashCode(StringComparison.Ordinal);
    }
}

/// <summary>Response headers for every request path <see cref="Path"/> matches (a path pattern: <c>*</c>, <c>:name</c>).</summary>
public sealed record HeaderRule(string Path, ImmutableSortedDictionary<string, string> Headers);

/// <summary>
/// A redirect (301, 302, 303, 307, 308), a rewrite (200) or a not-found page (404) for the request paths
/// <see cref="From"/> matches. Unless forced, it applies only where no file of the release answers.
/// </summary>
public sealed record RedirectRule(string From, string To, int Status, bool Force);

/// <summary>
/// A release: the complete, immutable map from URL path (always starting with <c>/</c>) to blob, with
/// the metadata a user sees in <c>jamdeploy releases</c>.
/// </summary>
public sealed record Manifest(
    ReleaseId Id,
    DateTimeOffset Created,
    ImmutableSortedDictionary<string, ManifestEntry> Files)
{
    /// <summary>Written when the release has site rules or precompressed files; older jamdeploys refuse it rather than serve it without them.</summary>
    public const int CurrentFormat = 2;

    /// <summary>Written when it has neither, so a release any jamdeploy can serve stays readable by older ones.</summary>
    public const int PlainFormat = 1;

    /// <summary>Always in ordinal path order, whatever comparer it was built with: the order it is written and digested in.</summary>
    public ImmutableSortedDictionary<string, ManifestEntry> Files { get; init => field = Ordinal(value); } = Ordinal(Files);

    /// <summary>The format read from the store, or, for a manifest built here, the one its content needs.</summary>
    public int Format { get => _format ?? (Rules is not null || Files.Values.Any(e => e.Encodings is not null) ? CurrentFormat : PlainFormat); init => _format = value; }

    private readonly int? _format;

    public string? Message { get; init; }
    public string? Commit { get; init; }

    /// <summary>Where the files came from (the deployed folder, or the release promoted from), for people.</summary>
    public string? Source { get; init; }

    /// <summary>The site's headers and redirects; null when it has none.</summary>
    public SiteRules? Rules { get; init; }

    [JsonIgnore]
    public long TotalBytes => Files.Values.Sum(e => e.Size);

    /// <summary>Every blob the release needs: its files' and their precompressed forms'.</summary>
    [JsonIgnore]
    public IEnumerable<ContentHash> Blobs =>
        Files.Values.SelectMany(e => e.Encodings is null ? [e.Hash] : e.Encodings.Values.Select(v => v.Hash).Prepend(e.Hash)).Distinct();

    /// <summary>
    /// A SHA-256 over exactly what <see cref="HasSameContentAs"/> compares (paths, blobs, sizes, types,
    /// headers, the names of each file's encodings, the rules), so two releases that serve the same site have the
    /// same digest. The live pointer carries it: a redeploy of an unchanged folder is recognised without reading the
    /// live manifest. Encodings count by name only: their bytes follow from the content, so a deploy can tell which
    /// it will have before compressing anything.
    /// </summary>
    public ContentHash ContentDigest() => DigestOf(Files, Rules);

    /// <summary>The <see cref="ContentDigest"/> of files given in ordinal path order, before a manifest is built of them.</summary>
    public static ContentHash DigestOf(IEnumerable<KeyValuePair<string, ManifestEntry>> files, SiteRules? rules)
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
            // Nothing is added for a file without encodings or a release without rules: a plain release keeps the
            // digest it had before either existed, so upgrading jamdeploy does not turn a no-op redeploy into a deploy.
            if (entry.Encodings is { } encodings)
            {
                buffer.Text("encodings");
                buffer.Number(encodings.Count);
                foreach (var coding in encodings.Keys) buffer.Text(coding);
            }
        }
        if (rules is not null)
        {
            buffer.Text("rules");
            buffer.Number(rules.Headers.Length);
            foreach (var rule in rules.Headers)
            {
                buffer.Text(rule.Path);
                buffer.Number(rule.Headers.Count);
                foreach (var (name, value) in rule.Headers)
                {
                    buffer.Text(name);
                    buffer.Text(value);
                }
            }
            buffer.Number(rules.Redirects.Length);
            foreach (var rule in rules.Redirects)
            {
                buffer.Text(rule.From);
                buffer.Text(rule.To);
                buffer.Number(rule.Status);
                buffer.Number(rule.Force ? 1 : 0);
            }
        }
        buffer.Flush();
        return ContentHash.FromBytes(sha.GetHashAndReset());
    }

    /// <summary>True when both releases serve the same bytes with the same types and headers at the same paths.</summary>
    public bool HasSameContentAs(Manifest other) =>
        (Rules is null ? other.Rules is null : Rules.SameAs(other.Rules))
        && Files.Count == other.Files.Count
        && Files.All(kv => other.Files.TryGetValue(kv.Key, out var o) && SameEntry(kv.Value, o));

    private static ImmutableSortedDictionary<string, ManifestEntry> Ordinal(ImmutableSortedDictionary<string, ManifestEntry> files) =>
        files.KeyComparer == StringComparer.Ordinal ? files : files.WithComparers(StringComparer.Ordinal);

    private static bool SameEntry(ManifestEntry a, ManifestEntry b) =>
        a.Hash == b.Hash && a.Size == b.Size && a.ContentType == b.ContentType
        && (a.Headers ?? ImmutableSortedDictionary<string, string>.Empty).SequenceEqual(b.Headers ?? ImmutableSortedDictionary<string, string>.Empty)
        && (a.Encodings?.Keys ?? []).SequenceEqual(b.Encodings?.Keys ?? []);
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
