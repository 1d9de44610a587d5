using System.Collections.Immutable;
using System.Text;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Precompression;
using Jamdeploy.Releases;
using Jamdeploy.Storage;

namespace Jamdeploy.Edge.Tests.Support;

/// <summary>One file of a test release.</summary>
public sealed record SiteFile(string Path, byte[] Content, string ContentType)
{
    /// <summary>Content-codings stored beside the file, made by the compressor a deploy uses.</summary>
    public IReadOnlyList<string>? Encodings { get; init; }

    public static SiteFile Text(string path, string content, string contentType = "text/html; charset=utf-8") =>
        new(path, Encoding.UTF8.GetBytes(content), contentType);
}

/// <summary>
/// Writes releases straight through the store port, in the order a deploy does: blobs, then the manifest,
/// then the pointer by compare-and-swap (so invariant 1 holds for everything the edge is shown).
/// </summary>
public sealed class TestSite(IObjectStore store)
{
    private static int _sequence;

    public IObjectStore Store => store;

    public static ReleaseId NewId() =>
        ReleaseId.Parse($"r{Interlocked.Increment(ref _sequence):D4}-{Guid.NewGuid().ToString("N")[..6]}");

    /// <summary>Stores the blobs and the manifest of a new release, without making it live.</summary>
    public async Task<ReleaseId> StoreReleaseAsync(IEnumerable<SiteFile> files, ReleaseId? id = null)
    {
        var releaseId = id ?? NewId();
        var entries = ImmutableSortedDictionary.CreateBuilder<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var content = ObjectContent.FromBytes(file.Content, file.ContentType);
            await store.PutAsync(StoreLayout.Blob(content.Sha256), content, WriteCondition.IfAbsent, CancellationToken.None);
            var encodings = ImmutableSortedDictionary.CreateBuilder<string, EncodedBlob>(StringComparer.Ordinal);
            foreach (var coding in file.Encodings ?? [])
            {
                var encoded = ObjectContent.FromBytes(new Compressor(quality: 11).Compress(file.Content, coding), "application/octet-stream");
                await store.PutAsync(StoreLayout.Blob(encoded.Sha256), encoded, WriteCondition.IfAbsent, CancellationToken.None);
                encodings[coding] = new EncodedBlob(encoded.Sha256, encoded.Length);
            }
            entries[file.Path] = new ManifestEntry(content.Sha256, file.Content.Length, file.ContentType)
            {
                Encodings = file.Encodings is null ? null : encodings.ToImmutable(),
            };
        }
        var manifest = new Manifest(releaseId, DateTimeOffset.UtcNow, entries.ToImmutable());
        await new ReleaseStore(store).WriteManifestAsync(manifest, CancellationToken.None);
        return releaseId;
    }

    public async Task<ReleaseId> DeployAsync(IEnumerable<SiteFile> files)
    {
        var id = await StoreReleaseAsync(files);
        await FlipAsync(id, FlipAction.Deploy);
        return id;
    }

    /// <summary>Moves the pointer to the release before the live one.</summary>
    public async Task<ReleaseId> RollbackAsync()
    {
        var pointer = (await new ReleaseStore(store).ReadLiveAsync(CancellationToken.None)).Pointer;
        var previous = pointer?.Previous() ?? throw new InvalidOperationException("nothing to roll back to");
        await FlipAsync(previous, FlipAction.Rollback);
        return previous;
    }

    public async Task FlipAsync(ReleaseId id, FlipAction action = FlipAction.Promote)
    {
        var releases = new ReleaseStore(store);
        var (pointer, etag) = await releases.ReadLiveAsync(CancellationToken.None);
        // As jamdeploy writes it: with the live release's content digest, which serve must read past.
        var digest = (await releases.ReadRequestedManifestAsync(id, CancellationToken.None)).ContentDigest();
        var next = pointer is null
            ? LivePointer.First(id, DateTimeOffset.UtcNow, action, digest)
            : pointer.MoveTo(id, DateTimeOffset.UtcNow, action, liveDigest: digest);
        var written = await releases.WritePointerAsync(next, etag, CancellationToken.None);
        Assert.True(written.Written, "the pointer moved under the test");
    }
}
