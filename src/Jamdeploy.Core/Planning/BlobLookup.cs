using System.Collections.Concurrent;
using Jamdeploy.Model;
using Jamdeploy.Storage;

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

    /// <summary>Known to be absent: looked for, not there. A blob not looked for is never called missing.</summary>
    public bool IsMissing(ContentHash hash) => Looked.Contains(hash) && !Stored.ContainsKey(hash);
}

/// <summary>
/// Asks the store which blobs it holds, by whichever costs fewer requests: a HEAD per blob, or a listing of the
/// blob prefix (1,000 keys a page; the store holds at least <c>storedAtLeast</c> blobs, the floor of its cost).
/// </summary>
public sealed class BlobLookup(IObjectStore store, int parallelism)
{
    private const int ListPageSize = 1000;

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
        if (asked == 0) return new BlobPresence(new Dictionary<ContentHash, ObjectInfo>(), new HashSet<ContentHash>());

        var listingRequests = Math.Max(1, (storedAtLeast + asked + ListPageSize - 1) / ListPageSize);
        if (listingRequests < asked)
        {
            var wanted = candidates.Concat(bystanders).ToHashSet();
            var found = new Dictionary<ContentHash, ObjectInfo>();
            var keepAll = namedLater > 0;
            await foreach (var info in store.ListAsync(StoreLayout.BlobsPrefix, cancellationToken))
                if (StoreLayout.TryParseBlob(info.Key, out var hash) && (keepAll || wanted.Contains(hash))) found[hash] = info;
            return new BlobPresence(found, wanted) { Complete = keepAll };
        }
        if (candidates.Count == 0) return new BlobPresence(new Dictionary<ContentHash, ObjectInfo>(), new HashSet<ContentHash>());

        var heads = new ConcurrentDictionary<ContentHash, ObjectInfo>();
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (hash, ct) =>
            {
                if (await store.HeadAsync(StoreLayout.Blob(hash), ct) is { } info) heads[hash] = info;
            });
        return new BlobPresence(heads, candidates.ToHashSet());
    }
}
