using Jamdeploy.Hashing;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Precompression;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Planning;

/// <summary>
/// Stage 3, plan: which blobs must be sent. The live release's blobs are stored (invariant 1), so they
/// cost no request. Anything else is asked of the store once (see <see cref="BlobLookup"/>: a round of HEADs for
/// a small change, a listing for a big one), or, for a small change a deploy sends with conditional writes, not at all
/// (<see cref="UnlookedBytes"/>): the store's refusal of a write then says the blob is there. That finds what an
/// interrupted deploy already sent. A blob a look finds stored but older than half the cleanup grace period belongs to
/// no kept release and may be deleted by a cleanup running now, so it is sent again rather than trusted (one found by a
/// refused write is trusted: the deploy checks at its flip whether a cleanup ran, Releases/DeletionWatch.cs). A live
/// blob that a listing shows missing (deleted out of band) is sent again too: this deploy has its file, and must not
/// make a release live without it (invariant 1).
/// </summary>
public sealed class DeployPlanner(IObjectStore store, TimeProvider time, TimeSpan gracePeriod, int parallelism, ILogger? log = null)
{
    /// <summary>
    /// Candidates of at most this many bytes in all are sent without a round of HEADs first: each goes with If-None-Match,
    /// and a blob already stored (a rerun of an interrupted deploy, content an older release had) is refused, not stored
    /// twice. The HEADs save those bytes only then, while every deploy of a small change waits for their round trip. The
    /// bound keeps what a rerun sends again small (S3 bodies under 2 MiB go with their headers anyway); a rerun of a
    /// bigger deploy still finds what arrived before it sends anything.
    /// </summary>
    public const long UnlookedBytes = 2L << 20;

    // A deploy waits for its lookups: fewest round trips, so a small change costs at most one round of HEADs however big the site.
    private readonly BlobLookup _lookup = new(store, parallelism, LookupCost.RoundTrips, log);

    public Task<DeployPlan> PlanAsync(Manifest release, IReadOnlyList<HashedFile> files, Manifest? live, CancellationToken cancellationToken) =>
        PlanAsync(release, files, live, checkEveryBlob: false, VariantPlan.Create(release, files, live), cancellationToken);

    /// <param name="checkEveryBlob">
    /// Also look up the blobs the live release already has (<c>--verify</c>): any missing is sent again.
    /// Without it they are looked at only when a listing sees them anyway.
    /// </param>
    /// <param name="variants">
    /// The precompressed forms: those taken from the live release are looked after as its blobs are (one found missing is
    /// made again), and those still to make count toward choosing a listing, which then tells which are stored already.
    /// </param>
    /// <param name="writeIfAbsent">
    /// The caller sends every planned blob with a conditional write and counts a refused one as stored
    /// (<see cref="DeployPlan.FoundStored"/>): a small change is then planned without a round of HEADs
    /// (<see cref="UnlookedBytes"/>). A blob found stored that way may be old, and is trusted all the same: a cleanup that
    /// deletes it before the flip is seen at the flip, which sends it again (Releases/DeletionWatch.cs).
    /// </param>
    public async Task<DeployPlan> PlanAsync(
        Manifest release, IReadOnlyList<HashedFile> files, Manifest? live, bool checkEveryBlob, VariantPlan variants, CancellationToken cancellationToken,
        bool writeIfAbsent = false)
    {
        var inLive = live is null ? new HashSet<ContentHash>() : live.Blobs.ToHashSet();
        var firstWithContent = new Dictionary<ContentHash, HashedFile>();
        foreach (var file in files) firstWithContent.TryAdd(file.Hash, file);
        var fromLive = firstWithContent.Keys.Where(inLive.Contains).Concat(variants.ReusedBlobs).Distinct().ToList();
        var fresh = firstWithContent.Keys.Where(h => !inLive.Contains(h)).ToList();

        // Only HEADs are left out: the conditional writes that replace them are as many requests. A listing is fewer, and
        // sees the whole blob prefix (a live blob deleted out of band, precompressed forms stored already).
        var unlooked = writeIfAbsent && !checkEveryBlob && fresh.Count > 0
            && !_lookup.Lists(fresh.Count, inLive.Count, variants.ToMake)
            && fresh.Sum(h => firstWithContent[h].Length) <= UnlookedBytes;
        if (unlooked)
            log?.Debug("Sending {Candidates} blobs without looking them up first: a conditional write tells which are stored already", fresh.Count);
        var presence = unlooked ? BlobPresence.Nothing
            : checkEveryBlob
            ? await _lookup.FindAsync([.. firstWithContent.Keys.Concat(variants.ReusedBlobs).Distinct()], [], inLive.Count - fromLive.Count, cancellationToken, variants.ToMake)
            : await _lookup.FindAsync(fresh, fromLive, inLive.Count, cancellationToken, variants.ToMake);
        // Half the grace period: a cleanup that started just before this deploy must still find the blob
        // young when it reaches it, however long this deploy takes to flip (up to the other half).
        var staleBefore = time.GetUtcNow() - gracePeriod / 2;

        var uploads = new List<BlobUpload>();
        foreach (var (hash, file) in firstWithContent)
        {
            var contentType = release.Files[file.SitePath].ContentType;
            if (inLive.Contains(hash))
            {
                if (presence.IsMissing(hash))
                    uploads.Add(new BlobUpload(hash, file, contentType, Refresh: false, "missing from the store although the live release uses it: sent again"));
                continue;
            }
            var known = presence.Stored.GetValueOrDefault(hash);
            if (known is not null && known.LastModified >= staleBefore) continue;
            var refresh = known is not null;
            uploads.Add(new BlobUpload(hash, file, contentType, refresh,
                refresh ? "stored long ago by no kept release: sent again so cleanup cannot take it"
                : live?.Files.ContainsKey(file.SitePath) == true ? "changed content" : "new file"));
        }

        var uploading = uploads.ToDictionary(u => u.Hash);
        var planned = files.Select(f =>
            uploading.TryGetValue(f.Hash, out var upload) && upload.Source.SitePath == f.SitePath
                ? new PlannedFile(f.SitePath, f.Hash, f.Length, ChangeOf(f.SitePath, release, live), BlobAction.Upload, upload.Reason)
                : new PlannedFile(f.SitePath, f.Hash, f.Length, ChangeOf(f.SitePath, release, live), BlobAction.Reuse, ReuseReason(f, inLive, uploading)))
            .ToList();
        var removed = live is null ? [] : live.Files.Where(e => !release.Files.ContainsKey(e.Key))
            .Select(e => new RemovedFile(e.Key, e.Value.Hash, e.Value.Size)).ToList();
        return new DeployPlan(release, planned, uploads)
        {
            Removed = removed,
            Variants = variants.WithMissing(presence.IsMissing, files, "missing from the store although the live release uses it: made again"),
            Presence = presence,
        };
    }

    /// <summary>
    /// Changed is what a visitor would see change, the same test the invalidation plan uses: other bytes, another
    /// content type or other headers at the same path.
    /// </summary>
    private static FileChange ChangeOf(string path, Manifest release, Manifest? live) =>
        live is null || !live.Files.TryGetValue(path, out var before) ? FileChange.Added
        : InvalidationPlanner.Serves(before, release.Files[path]) ? FileChange.Unchanged
        : FileChange.Changed;

    /// <summary>
    /// The blobs of <paramref name="release"/> the store does not hold now, to send again from the files that
    /// have them: for a deploy that learns a cleanup ran while it was under way (Releases/DeletionWatch.cs).
    /// </summary>
    /// <remarks>A missing precompressed form is made again from its file, under the name it had (compression is deterministic).</remarks>
    public async Task<(IReadOnlyList<BlobUpload> Uploads, VariantPlan Variants)> MissingAsync(
        Manifest release, IReadOnlyList<HashedFile> files, CancellationToken cancellationToken)
    {
        const string reason = "deleted by a cleanup while this deploy ran";
        var firstWithContent = new Dictionary<ContentHash, HashedFile>();
        foreach (var file in files) firstWithContent.TryAdd(file.Hash, file);
        var variants = VariantPlan.Existing(release);
        var presence = await _lookup.FindAsync([.. firstWithContent.Keys.Concat(variants.ReusedBlobs).Distinct()], [], 0, cancellationToken);
        IReadOnlyList<BlobUpload> uploads = [.. firstWithContent
            .Where(f => !presence.Stored.ContainsKey(f.Key))
            .Select(f => new BlobUpload(f.Key, f.Value, release.Files[f.Value.SitePath].ContentType, false, reason))];
        return (uploads, variants.WithMissing(h => !presence.Stored.ContainsKey(h), files, reason).Expecting());
    }

    private static string ReuseReason(HashedFile file, HashSet<ContentHash> inLive, Dictionary<ContentHash, BlobUpload> uploading) =>
        uploading.TryGetValue(file.Hash, out var first) ? $"same content as {first.Source.SitePath}"
        : inLive.Contains(file.Hash) ? "unchanged content, already in the live release"
        : DeployPlan.AlreadyStored;
}
