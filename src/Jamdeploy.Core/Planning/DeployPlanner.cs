using System.Collections.Concurrent;
using Jamdeploy.Hashing;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Storage;

namespace Jamdeploy.Planning;

/// <summary>
/// Stage 3, plan: which blobs must be sent. The live release's blobs are stored (invariant 1), so they
/// cost no request. Anything else is asked of the store once, by whichever is cheaper: a HEAD per
/// candidate or a listing of the blob prefix (1,000 keys a page). That finds what an interrupted deploy
/// already sent. A blob found stored but older than half the cleanup grace period belongs to no kept
/// release and may be deleted by a cleanup running now, so it is sent again rather than trusted.
/// </summary>
public sealed class DeployPlanner(IObjectStore store, TimeProvider time, TimeSpan gracePeriod, int parallelism)
{
    private const int ListPageSize = 1000;

    public async Task<DeployPlan> PlanAsync(Manifest release, IReadOnlyList<HashedFile> files, Manifest? live, CancellationToken cancellationToken)
    {
        var inLive = live is null ? new HashSet<ContentHash>() : live.Blobs.ToHashSet();
        var firstWithContent = new Dictionary<ContentHash, HashedFile>();
        foreach (var file in files)
            if (!inLive.Contains(file.Hash)) firstWithContent.TryAdd(file.Hash, file);

        var stored = await FindStoredAsync(firstWithContent.Keys.ToList(), inLive.Count, cancellationToken);
        // Half the grace period: a cleanup that started just before this deploy must still find the blob
        // young when it reaches it, however long this deploy takes to flip (up to the other half).
        var staleBefore = time.GetUtcNow() - gracePeriod / 2;

        var uploads = new List<BlobUpload>();
        foreach (var (hash, file) in firstWithContent)
        {
            var known = stored.GetValueOrDefault(hash);
            if (known is not null && known.LastModified >= staleBefore) continue;
            var refresh = known is not null;
            uploads.Add(new BlobUpload(hash, file, release.Files[file.SitePath].ContentType, refresh,
                refresh ? "stored long ago by no kept release: sent again so cleanup cannot take it" : "new content"));
        }

        var uploading = uploads.ToDictionary(u => u.Hash);
        var planned = files.Select(f =>
            uploading.TryGetValue(f.Hash, out var upload) && upload.Source.SitePath == f.SitePath
                ? new PlannedFile(f.SitePath, f.Hash, f.Length, BlobAction.Upload, upload.Reason)
                : new PlannedFile(f.SitePath, f.Hash, f.Length, BlobAction.Reuse, ReuseReason(f, inLive, uploading)))
            .ToList();
        return new DeployPlan(release, planned, uploads);
    }

    /// <summary>
    /// The blobs of <paramref name="release"/> the store does not hold now, to send again from the files that
    /// have them: for a deploy that learns a cleanup ran while it was under way (Releases/DeletionWatch.cs).
    /// </summary>
    public async Task<IReadOnlyList<BlobUpload>> MissingAsync(Manifest release, IReadOnlyList<HashedFile> files, CancellationToken cancellationToken)
    {
        var firstWithContent = new Dictionary<ContentHash, HashedFile>();
        foreach (var file in files) firstWithContent.TryAdd(file.Hash, file);
        var stored = await FindStoredAsync([.. firstWithContent.Keys], 0, cancellationToken);
        return [.. firstWithContent
            .Where(f => !stored.ContainsKey(f.Key))
            .Select(f => new BlobUpload(f.Key, f.Value, release.Files[f.Value.SitePath].ContentType, false, "deleted by a cleanup while this deploy ran"))];
    }

    private static string ReuseReason(HashedFile file, HashSet<ContentHash> inLive, Dictionary<ContentHash, BlobUpload> uploading) =>
        inLive.Contains(file.Hash) ? "unchanged content, already in the live release"
        : uploading.TryGetValue(file.Hash, out var first) ? $"same content as {first.Source.SitePath}"
        : "already stored (sent by an earlier, unfinished deploy)";

    private async Task<IReadOnlyDictionary<ContentHash, ObjectInfo>> FindStoredAsync(
        IReadOnlyList<ContentHash> candidates, int liveBlobCount, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0) return new Dictionary<ContentHash, ObjectInfo>();

        // The store holds at least the live blobs; the listing pages that takes is the floor of its cost.
        var listingRequests = Math.Max(1, (liveBlobCount + candidates.Count + ListPageSize - 1) / ListPageSize);
        if (listingRequests < candidates.Count)
        {
            var wanted = candidates.ToHashSet();
            var found = new Dictionary<ContentHash, ObjectInfo>();
            await foreach (var info in store.ListAsync(StoreLayout.BlobsPrefix, cancellationToken))
                if (StoreLayout.TryParseBlob(info.Key, out var hash) && wanted.Contains(hash)) found[hash] = info;
            return found;
        }

        var heads = new ConcurrentDictionary<ContentHash, ObjectInfo>();
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (hash, ct) =>
            {
                if (await store.HeadAsync(StoreLayout.Blob(hash), ct) is { } info) heads[hash] = info;
            });
        return heads;
    }
}
