using System.Collections.Immutable;
using Jamdeploy.Hashing;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;

namespace Jamdeploy.Precompression;

/// <summary>Compress one file (its first path with that content) into these codings, and why.</summary>
public sealed record VariantJob(HashedFile Source, IReadOnlyList<string> Codings, string Reason)
{
    /// <summary>The names the variants had when they were stored before (they are being made again: found missing).</summary>
    public IReadOnlyDictionary<string, ContentHash>? Expected { get; init; }

    /// <summary>
    /// A manifest written already names them: made again, they must come out under <see cref="Expected"/> (compression
    /// is deterministic, so they do unless the compressor changed).
    /// </summary>
    public bool KeepNames { get; init; }
}

/// <summary>
/// The precompressed forms of a release being deployed: those of content the live release has are taken from
/// it (never compressed or sent again); the others are made by this deploy. Keyed by content, so two paths with
/// the same bytes share their variants as they share their blob.
/// </summary>
public sealed class VariantPlan
{
    /// <summary>Stands for a variant not made yet, in a release being planned: only its coding name counts until then.</summary>
    private static readonly EncodedBlob Pending = new(ContentHash.FromLowerHex(new string('0', ContentHash.HexLength)), 0);

    private static readonly ImmutableSortedDictionary<string, EncodedBlob> PendingCodings =
        PrecompressPolicy.AllCodings.Aggregate(ImmutableSortedDictionary.Create<string, EncodedBlob>(StringComparer.Ordinal), (codings, c) => codings.Add(c, Pending));

    private static readonly ImmutableSortedDictionary<string, EncodedBlob> PendingBrotli =
        ImmutableSortedDictionary.Create<string, EncodedBlob>(StringComparer.Ordinal).Add(PrecompressPolicy.Brotli, Pending);

    private readonly Dictionary<(ContentHash, string), EncodedBlob> _reused;

    private VariantPlan(Dictionary<(ContentHash, string), EncodedBlob> reused, IReadOnlyList<VariantJob> jobs)
    {
        _reused = reused;
        Jobs = jobs;
    }

    public static VariantPlan None { get; } = new([], []);

    /// <summary>What each file will be compressed into, decided before anything is compressed (the names go into the digest).</summary>
    public static ManifestEntry Predict(ManifestEntry entry, PrecompressPolicy policy) =>
        !policy.Compresses(entry.ContentType, entry.Size) ? entry
        : entry with { Encodings = policy.Codings.Length == PrecompressPolicy.AllCodings.Length ? PendingCodings : PendingBrotli };

    public IReadOnlyList<VariantJob> Jobs { get; }

    /// <summary>Variant blobs this deploy makes.</summary>
    public int ToMake => Jobs.Sum(j => j.Codings.Count);

    /// <summary>Variant blobs taken from the live release.</summary>
    public int Reused => _reused.Count;

    public IEnumerable<ContentHash> ReusedBlobs => _reused.Values.Select(v => v.Hash);

    /// <param name="release">The release being planned, its encodings <see cref="Predict">predicted</see>.</param>
    public static VariantPlan Create(Manifest release, IReadOnlyList<HashedFile> files, Manifest? live)
    {
        var inLive = new Dictionary<(ContentHash, string), EncodedBlob>();
        foreach (var entry in live?.Files.Values ?? [])
            foreach (var (coding, blob) in entry.Encodings ?? ImmutableSortedDictionary<string, EncodedBlob>.Empty)
                inLive.TryAdd((entry.Hash, coding), blob);

        var reused = new Dictionary<(ContentHash, string), EncodedBlob>();
        var jobs = new List<VariantJob>();
        var seen = new HashSet<ContentHash>();
        foreach (var file in files)
        {
            if (release.Files[file.SitePath].Encodings is not { } codings || !seen.Add(file.Hash)) continue;
            var make = new List<string>();
            foreach (var coding in codings.Keys)
                if (inLive.TryGetValue((file.Hash, coding), out var blob)) reused[(file.Hash, coding)] = blob;
                else make.Add(coding);
            if (make.Count > 0) jobs.Add(new VariantJob(file, make, live?.Files.ContainsKey(file.SitePath) == true ? "changed content" : "new file"));
        }
        return new VariantPlan(reused, jobs);
    }

    /// <summary>The plan for a release whose variants are all named already (the live one, on <c>--verify</c>): nothing to make.</summary>
    public static VariantPlan Existing(Manifest release)
    {
        var reused = new Dictionary<(ContentHash, string), EncodedBlob>();
        foreach (var entry in release.Files.Values)
            foreach (var (coding, blob) in entry.Encodings ?? ImmutableSortedDictionary<string, EncodedBlob>.Empty)
                reused.TryAdd((entry.Hash, coding), blob);
        return new VariantPlan(reused, []);
    }

    /// <summary>
    /// Taken from the live release but found missing from the store (deleted out of band, or by a cleanup while this deploy
    /// ran): made again from the file, and the release must not go live without them (invariant 1).
    /// </summary>
    public VariantPlan WithMissing(Func<ContentHash, bool> isMissing, IReadOnlyList<HashedFile> files, string reason)
    {
        var missing = _reused.Where(kv => isMissing(kv.Value.Hash)).ToList();
        if (missing.Count == 0) return this;
        var firstWithContent = new Dictionary<ContentHash, HashedFile>();
        foreach (var file in files) firstWithContent.TryAdd(file.Hash, file);
        var jobs = Jobs.ToList();
        foreach (var group in missing.GroupBy(kv => kv.Key.Item1))
            jobs.Add(new VariantJob(firstWithContent[group.Key], [.. group.Select(kv => kv.Key.Item2)], reason)
            {
                Expected = group.ToDictionary(kv => kv.Key.Item2, kv => kv.Value.Hash),
            });
        var reused = new Dictionary<(ContentHash, string), EncodedBlob>(_reused);
        foreach (var (key, _) in missing) reused.Remove(key);
        return new VariantPlan(reused, jobs);
    }

    /// <summary>The same plan, for variants a written manifest names: each made again must keep its name.</summary>
    public VariantPlan Expecting() => new(_reused, [.. Jobs.Select(j => j with { KeepNames = true })]);

    /// <summary>The release with every predicted encoding named by its blob: a reused one, or one just made.</summary>
    public Manifest Complete(Manifest release, IReadOnlyDictionary<(ContentHash, string), EncodedBlob> made)
    {
        if (!release.Files.Values.Any(e => e.Encodings is not null)) return release;
        var files = release.Files.ToBuilder();
        foreach (var (path, entry) in release.Files)
        {
            if (entry.Encodings is not { } codings) continue;
            // Each coding's value set in a builder of the same dictionary (a sorted copy per file cost more than the rest).
            var named = codings.ToBuilder();
            foreach (var c in codings.Keys)
                named[c] = made.TryGetValue((entry.Hash, c), out var blob) ? blob
                    : _reused.TryGetValue((entry.Hash, c), out var kept) ? kept
                    : throw new InvalidOperationException($"the {c} variant of {path} was neither made nor taken from the live release");
            files[path] = entry with { Encodings = named.ToImmutable() };
        }
        return release with { Files = files.ToImmutable() };
    }
}
