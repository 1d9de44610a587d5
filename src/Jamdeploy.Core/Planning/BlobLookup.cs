using System.Collections.Concurrent;
using System.Diagnostics;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Planning;

/// <summary>
/// What one look at the store found: the blobs it saw, and every blob it can vouch for either way. A listing
/// vouches for every blob of the release (it sees the whole prefix); HEADs only for the ones asked.
/// </summary>
public sealed record BlobPresence(IReadOnlyDictionary<ContentHash, ObjectInfo> Stored, IReadOnlySet<ContentHash> Looked)
{
    /// <summary>
    /// True when <see cref="Stored"/> holds every blob a listing saw, not only the ones asked for: then it also answers
    /// for blobs named later (precompressed variants, named once compressed).
    /// </summary>
    public bool Complete { get; init; }

    /// <summary>When <see cref="Complete"/>: what the listing knows of a blob not asked about (null when it did not see it).</summary>
    public ObjectInfo? Seen(ContentHash hash) => Stored.GetValueOrDefault(hash);

    /// <summary>No look at the store: it vouches for nothing.</summary>
    public static BlobPresence Nothing => new(new Dictionary<ContentHash, ObjectInfo>(), new HashSet<ContentHash>());

    /// <summary>Known to be absent: looked for, not there. A blob not looked for is never called missing.</summary>
    public bool IsMissing(ContentHash hash) => Looked.Contains(hash) && !Stored.ContainsKey(hash);
}

/// <summary>What a lookup spends least of when it chooses between a HEAD per blob and a listing.</summary>
public enum LookupCost
{
    /// <summary>Requests: a listing as soon as its pages are fewer than the HEADs (verify, promote --verify).</summary>
    Requests,

    /// <summary>
    /// Sequential round trips, what a deploy waits for: listing pages follow one another (each names where the
    /// next starts), while HEADs run <c>parallelism</c> at a time. HEADs win when their rounds are no more than the
    /// pages (but a single page beats several HEADs), so at most <c>parallelism</c> HEADs per page spared; at S3's
    /// prices (a LIST costs 12.5 HEADs) that is about what the listing would have cost.
    /// </summary>
    RoundTrips,
}

/// <summary>
/// Asks the store which blobs it holds, by whichever costs less (<see cref="LookupCost"/>): a HEAD per blob, or a
/// listing of the blob prefix (1,000 keys a page; the store holds at least <c>storedAtLeast</c> blobs, the floor
/// of its cost).
/// </summary>
public sealed class BlobLookup(IObjectStore store, int parallelism, LookupCost cost = LookupCost.Requests, ILogger? log = null)
{
    private const int ListPageSize = 1000;

    /// <summary>
    /// Whether <see cref="FindAsync"/> would list the blob prefix for these counts rather than send a HEAD per candidate:
    /// a caller that can do without a round of HEADs (it writes the candidates if absent anyway) asks first.
    /// </summary>
    public bool Lists(int candidates, int storedAtLeast, int namedLater = 0)
    {
        var asked = candidates + namedLater;
        if (asked == 0) return false;
        var listingPages = ListingPages(asked, storedAtLeast);
        var fewerRequests = listingPages < asked;
        // One page against one round of HEADs: the page is fewer requests, and it sees every blob (free evidence of a
        // missing live one). Pages tied with more rounds lose: each page is a heavy answer (up to 1,000 keys).
        return cost == LookupCost.RoundTrips
            ? listingPages < (asked + parallelism - 1) / parallelism || (listingPages == 1 && fewerRequests)
            : fewerRequests;
    }

    private static int ListingPages(int asked, int storedAtLeast) => Math.Max(1, (storedAtLeast + asked + ListPageSize - 1) / ListPageSize);

    /// <param name="candidates">Blobs to find out about.</param>
    /// <param name="bystanders">
    /// Blobs not worth a request of their own, reported too when a listing sees the whole prefix anyway: free
    /// evidence that one of them went missing.
    /// </param>
    /// <param name="storedAtLeast">Blobs the store is known to hold besides the candidates (the live release's).</param>
    /// <param name="namedLater">
    /// Blobs to find out about whose names are not known yet (variants still to compress): they count toward choosing a
    /// listing, and a listing then keeps every blob it saw (<see cref="BlobPresence.Complete"/>). Without a listing they
    /// are written if absent.
    /// </param>
    public async Task<BlobPresence> FindAsync(
        IReadOnlyCollection<ContentHash> candidates, IReadOnlyCollection<ContentHash> bystanders, int storedAtLeast, CancellationToken cancellationToken,
        int namedLater = 0)
    {
        var asked = candidates.Count + namedLater;
        if (asked == 0) return BlobPresence.Nothing;

        var started = Stopwatch.GetTimestamp();
        if (Lists(candidates.Count, storedAtLeast, namedLater))
        {
            var listingPages = ListingPages(asked, storedAtLeast);
            var wanted = candidates.Concat(bystanders).ToHashSet();
            var found = new Dictionary<ContentHash, ObjectInfo>();
            var keepAll = namedLater > 0;
            await foreach (var info in store.ListAsync(StoreLayout.BlobsPrefix, cancellationToken))
                if (StoreLayout.TryParseBlob(info.Key, out var hash) && (keepAll || wanted.Contains(hash))) found[hash] = info;
            log?.Debug("Looked up {Candidates} blobs by listing the blob prefix (at least {Pages} pages) in {Elapsed:0} ms: {Found} stored",
                asked, listingPages, Stopwatch.GetElapsedTime(started).TotalMilliseconds, found.Count);
            return new BlobPresence(found, wanted) { Complete = keepAll };
        }
        if (candidates.Count == 0) return BlobPresence.Nothing;

        var heads = new ConcurrentDictionary<ContentHash, ObjectInfo>();
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (hash, ct) =>
            {
                if (await store.HeadAsync(StoreLayout.Blob(hash), ct) is { } info) heads[hash] = info;
            });
        log?.Debug("Looked up {Candidates} blobs by {Parallelism} concurrent HEADs in {Elapsed:0} ms: {Found} stored",
            candidates.Count, parallelism, Stopwatch.GetElapsedTime(started).TotalMilliseconds, heads.Count);
        return new BlobPresence(heads, candidates.ToHashSet());
    }
}
