using System.Runtime.CompilerServices;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Storage;

namespace Jamdeploy.Releases;

/// <summary>The live pointer as read, with the tag its compare-and-swap must name (null tag: no pointer yet).</summary>
public sealed record LiveState(LivePointer? Pointer, string? ETag)
{
    public ReleaseId? Live => Pointer?.Live;
}

/// <summary>Typed access to a site's documents: the live pointer and the release manifests.</summary>
public sealed class ReleaseStore(IObjectStore store)
{
    public IObjectStore Objects => store;

    public async Task<LiveState> ReadLiveAsync(CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(StoreLayout.LiveKey, cancellationToken);
        return stored is null
            ? new LiveState(null, null)
            : new LiveState(StoreDocuments.ReadPointer(stored.Content, $"{store.Location}/{StoreLayout.LiveKey}"), stored.ETag);
    }

    public async Task<Manifest?> TryReadManifestAsync(ReleaseId id, CancellationToken cancellationToken)
    {
        var key = StoreLayout.Release(id);
        var stored = await store.GetAsync(key, cancellationToken);
        if (stored is null) return null;
        var manifest = StoreDocuments.ReadManifest(stored.Content, $"{store.Location}/{key}");
        if (manifest.Id != id) throw new CorruptStoreException($"{store.Location}/{key}: the manifest names release {manifest.Id}, not {id}");
        return manifest;
    }

    /// <summary>A release the user named: an unknown id is their mistake (exit 2), not the store's.</summary>
    public async Task<Manifest> ReadRequestedManifestAsync(ReleaseId id, CancellationToken cancellationToken) =>
        await TryReadManifestAsync(id, cancellationToken) ?? throw NoSuchRelease(id);

    /// <summary>The same check without reading the manifest: for a release already read once.</summary>
    public async Task RequireReleaseAsync(ReleaseId id, CancellationToken cancellationToken)
    {
        if (await store.HeadAsync(StoreLayout.Release(id), cancellationToken) is null) throw NoSuchRelease(id);
    }

    /// <summary>A release the pointer names must exist (invariant 1); if it does not, the store is damaged.</summary>
    public async Task<Manifest> ReadLiveManifestAsync(ReleaseId id, CancellationToken cancellationToken) =>
        await TryReadManifestAsync(id, cancellationToken)
        ?? throw new CorruptStoreException($"{store.Location}/{StoreLayout.LiveKey} names release {id}, whose manifest is missing; promote an existing release to repair it");

    private UsageException NoSuchRelease(ReleaseId id) =>
        new($"release {id} does not exist in {store.Location}; `jamdeploy releases` lists them");

    public async Task WriteManifestAsync(Manifest manifest, CancellationToken cancellationToken)
    {
        var bytes = StoreDocuments.Serialize(manifest);
        var written = await store.PutAsync(StoreLayout.Release(manifest.Id),
            ObjectContent.FromBytes(bytes, "application/json", "no-cache"), WriteCondition.IfAbsent, cancellationToken);
        if (!written.Written)
            throw new StoreException($"{store.Location}: release {manifest.Id} already exists; manifests are never overwritten (rerun the deploy)");
    }

    public Task<WriteResult> WritePointerAsync(LivePointer pointer, string? expectedETag, CancellationToken cancellationToken) =>
        store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes(StoreDocuments.Serialize(pointer), "application/json", "no-cache"),
            WriteCondition.Expecting(expectedETag), cancellationToken);

    public async IAsyncEnumerable<ReleaseId> ListReleaseIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var info in store.ListAsync(StoreLayout.ReleasesPrefix, cancellationToken))
            if (StoreLayout.TryParseRelease(info.Key, out var id)) yield return id;
    }
}
