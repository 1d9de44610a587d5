using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Verification;

/// <summary>
/// Checks that releases can be served whole: every blob a manifest names exists with the recorded size,
/// and with a deep check hashes to its name. A blob shared by many releases is checked once.
/// </summary>
public sealed class ReleaseVerifier(IObjectStore store, ILogger? log = null)
{
    private const int Parallelism = 8;
    private const int HashBufferBytes = 1 << 20;

    private readonly ILogger _log = (log ?? Serilog.Core.Logger.None).ForContext<ReleaseVerifier>();
    private readonly ReleaseStore _documents = new(store);

    public async Task<VerificationReport> VerifyAsync(
        VerifyTarget target, bool deep, CancellationToken cancellationToken)
    {
        var pointer = (await _documents.ReadLiveAsync(cancellationToken)).Pointer;
        var live = pointer?.Live;
        var ids = await ResolveAsync(target, live, cancellationToken);

        var manifests = new List<(ReleaseId Id, Manifest? Manifest, string? Problem)>();
        foreach (var id in ids)
            if (await ReadManifestAsync(id, target, id == live, cancellationToken) is { } read) manifests.Add(read);

        var blobs = manifests
            .Where(m => m.Manifest is not null)
            .SelectMany(m => BlobsOf(m.Manifest!))
            .GroupBy(e => e.Hash)
            .ToDictionary(g => g.Key, g => g.First().Size);
        var faults = new ConcurrentDictionary<ContentHash, (BlobFault Fault, string Detail)>();
        long bytesHashed = 0;
        if (deep)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(blobs, options, async (blob, token) =>
            {
                var (fault, hashed) = await CheckDeepAsync(blob.Key, blob.Value, token);
                if (fault is { } f) faults[blob.Key] = f;
                Interlocked.Add(ref bytesHashed, hashed);
            });
        }
        else
        {
            // Presence and size: a listing of the blob prefix tells both for 1,000 blobs a request, so verifying
            // every kept release (the scheduled cleanup does) costs pages, not a HEAD per blob.
            var presence = await new BlobLookup(store, Parallelism).FindAsync([.. blobs.Keys], [], storedAtLeast: 0, cancellationToken);
            foreach (var (hash, size) in blobs)
                if (SizeFault(presence, hash, size) is { } f) faults[hash] = f;
        }

        var releases = manifests.Select(m => Verdict(m.Id, m.Id == live, m.Manifest, m.Problem ?? DigestProblem(pointer, m.Manifest), faults)).ToList();
        foreach (var release in releases.Where(r => !r.Ok))
            _log.Information("Release {Release} cannot be served whole: {ManifestProblem} {Problems} broken blobs",
                release.Id, release.ManifestProblem, release.Problems.Count);
        return new VerificationReport(releases, deep, blobs.Count, bytesHashed);
    }

    /// <summary>A digest in the pointer that is not the live release's own would let a deploy of another folder pass for a no-op.</summary>
    private static string? DigestProblem(LivePointer? pointer, Manifest? manifest) =>
        manifest is not null && pointer?.Live == manifest.Id && pointer.LiveContent is { } digest && digest != manifest.ContentDigest()
            ? $"{StoreLayout.LiveKey} records a content digest that is not {manifest.Id}'s; `jamdeploy promote {manifest.Id}` rewrites it"
            : null;

    private static ReleaseVerification Verdict(
        ReleaseId id, bool isLive, Manifest? manifest, string? manifestProblem,
        IReadOnlyDictionary<ContentHash, (BlobFault Fault, string Detail)> faults)
    {
        if (manifest is null) return new ReleaseVerification(id, isLive, manifestProblem, 0, 0, []);
        var problems = new List<BlobProblem>();
        var all = BlobsOf(manifest).ToList();
        foreach (var group in all.GroupBy(f => f.Hash))
        {
            var paths = group.Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
            if (faults.TryGetValue(group.Key, out var fault))
                problems.Add(new BlobProblem(group.Key, fault.Fault, fault.Detail, paths));
            else if (group.Select(f => f.Size).Distinct().Count() > 1)
                problems.Add(new BlobProblem(group.Key, BlobFault.WrongSize, "the manifest records two sizes for one blob", paths));
        }
        var blobCount = all.Select(e => e.Hash).Distinct().Count();
        return new ReleaseVerification(id, isLive, manifestProblem, manifest.Files.Count, blobCount, problems);
    }

    /// <summary>Every blob the release serves, with the path that serves it: a precompressed form as <c>/a.html (br)</c>.</summary>
    private static IEnumerable<(ContentHash Hash, long Size, string Path)> BlobsOf(Manifest manifest)
    {
        foreach (var (path, entry) in manifest.Files)
        {
            yield return (entry.Hash, entry.Size, path);
            foreach (var (coding, variant) in entry.Encodings ?? System.Collections.Immutable.ImmutableSortedDictionary<string, EncodedBlob>.Empty)
                yield return (variant.Hash, variant.Size, $"{path} ({coding})");
        }
    }

    private static (BlobFault, string)? SizeFault(BlobPresence presence, ContentHash hash, long size) =>
        !presence.Stored.TryGetValue(hash, out var info) ? (BlobFault.Missing, "not in the store")
        : info.Size != size ? (BlobFault.WrongSize, $"{info.Size} bytes stored, {size} expected")
        : null;

    private async Task<((BlobFault, string)? Fault, long Hashed)> CheckDeepAsync(ContentHash hash, long size, CancellationToken cancellationToken)
    {
        var key = StoreLayout.Blob(hash);
        try
        {
            return await HashAsync(hash, key, size, cancellationToken);
        }
        catch (DamagedObjectException e)
        {
            // The store itself refused the bytes (their stored checksum does not match): damaged, not a failed run.
            _log.Information("Blob {Blob} is damaged: {Reason}", hash, e.Message);
            return ((BlobFault.WrongContent, "its bytes do not match the checksum the store keeps with them"), 0);
        }
    }

    private async Task<((BlobFault, string)? Fault, long Hashed)> HashAsync(ContentHash hash, string key, long size, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(key, range: null, cancellationToken);
        if (stream is null) return ((BlobFault.Missing, "not in the store"), 0);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferBytes);
        long length = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var actual = ContentHash.FromBytes(sha.GetHashAndReset());
        if (actual != hash) return ((BlobFault.WrongContent, $"its bytes hash to {actual.Short}…"), length);
        return length == size ? (null, length) : ((BlobFault.WrongSize, $"{length} bytes stored, {size} expected"), length);
    }

    private async Task<IReadOnlyList<ReleaseId>> ResolveAsync(VerifyTarget target, ReleaseId? live, CancellationToken cancellationToken)
    {
        switch (target)
        {
            case VerifyTarget.OneRelease one:
                return [one.Id];
            case VerifyTarget.LiveRelease:
                return live is { } id
                    ? [id]
                    : throw new UsageException($"nothing is live in {store.Location}; pass --release <id> or --all");
            default:
                var ids = new SortedSet<ReleaseId>(Comparer<ReleaseId>.Create((a, b) => string.CompareOrdinal(a.Value, b.Value)));
                await foreach (var release in _documents.ListReleaseIdsAsync(cancellationToken)) ids.Add(release);
                // A pointer naming a release whose manifest is gone is the worst breakage there is: report it.
                if (live is { } current) ids.Add(current);
                return [.. ids];
        }
    }

    /// <returns>Null for a release that a cleanup deleted after the listing: it no longer needs to be whole.</returns>
    private async Task<(ReleaseId, Manifest?, string?)?> ReadManifestAsync(ReleaseId id, VerifyTarget target, bool isLive, CancellationToken cancellationToken)
    {
        var read = await _documents.ReadManifestAsync(id, cancellationToken);
        if (!read.Missing) return (id, read.Manifest, read.Unreadable?.Message);
        if (target is VerifyTarget.OneRelease) throw _documents.NoSuchRelease(id);
        if (target is VerifyTarget.AllReleases && !isLive) return null;
        return (id, null, _documents.LiveManifestMissing(id).Message);
    }
}
