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
    public async Task<BlobPresence> FindAsync(
        IReadOnlyCollection<ContentHash> candidates, IReadOnlyCollection<ContentHash> bystanders, int storedAtLeast, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0) return new BlobPresence(new Dictionary<ContentHash, ObjectInfo>(), new HashSet<ContentHash>());

        var listingRequests = Math.Max(1, (storedAtLeast + candidates.Count + ListPageSize - 1) / ListPageSize);
        if (listingRequests < candidates.Count)
        {
            var wanted = candidates.Concat(bystanders).ToHashSet();
            var found = new Dictionary<ContentHash, ObjectInfo>();
            await foreach (var info in store.ListAsync(StoreLayout.BlobsPrefix, cancellationToken))
                if (StoreLayout.TryParseBlob(info.Key, out var hash) && wanted.Contains(hash)) found[hash] = info;
            return new BlobPresence(found, wanted);
        }

        var heads = new ConcurrentDictionary<ContentHash, ObjectInfo>();
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (hash, ct) =>
            {
                if (await store.HeadAsync(StoreLayout.Blob(hash), ct) is { } info) heads[hash] = info;
            });
        return new BlobPresence(heads, candidates.ToHashSet());
    }
}
