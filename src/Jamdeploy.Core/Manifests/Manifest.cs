using System.Collections.Immutable;
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

    public int Format { get; init; } = CurrentFormat;
    public string? Message { get; init; }
    public string? Commit { get; init; }

    /// <summary>Where the files came from (the deployed folder, or the release promoted from), for people.</summary>
    public string? Source { get; init; }

    [JsonIgnore]
    public long TotalBytes => Files.Values.Sum(e => e.Size);

    [JsonIgnore]
    public IEnumerable<ContentHash> Blobs => Files.Values.Select(e => e.Hash).Distinct();

    /// <summary>True when both releases serve the same bytes with the same types and headers at the same paths.</summary>
    public bool HasSameContentAs(Manifest other) =>
        Files.Count == other.Files.Count
        && Files.All(kv => other.Files.TryGetValue(kv.Key, out var o) && SameEntry(kv.Value, o));

    private static bool SameEntry(ManifestEntry a, ManifestEntry b) =>
        a.Hash == b.Hash && a.Size == b.Size && a.ContentType == b.ContentType
        && (a.Headers ?? ImmutableSortedDictionary<string, string>.Empty).SequenceEqual(b.Headers ?? ImmutableSortedDictionary<string, string>.Empty);
}
