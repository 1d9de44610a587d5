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

/// <summary>
/// A release manifest as read from its key: <see cref="Manifest"/> when it could be read, <see cref="Unreadable"/>
/// when it is corrupt, of a format this version does not know, or names another release; neither when
/// there is none.
/// </summary>
public sealed record ManifestRead(Manifest? Manifest, CorruptStoreException? Unreadable)
{
    public bool Missing => Manifest is null && Unreadable is null;

    /// <summary>The manifest, null when missing; an unreadable one throws.</summary>
    public Manifest? OrThrow() => Unreadable is null ? Manifest : throw Unreadable;
}

/// <summary>A release manifest found by listing: its id (from the key) and the stored object.</summary>
public sealed record ListedRelease(ReleaseId Id, ObjectInfo Object);

/// <summary>The store lease as read, with the tag a take-over must name; <see cref="Document"/> is null when it cannot be read.</summary>
public sealed record LeaseRead(LeaseDocument? Document, string ETag);

/// <summary>
/// The one owner of a site's documents (DESIGN.md, store layout): the live pointer, the release manifests,
/// the pins and the store lease. Every command and serve read, check and write them here, so they all
/// agree on what a document is: the same format checks, the same id-matches-key check, the same words
/// for what is wrong, and the same line between missing and corrupt. Keys come from <see cref="StoreLayout"/>.
/// </summary>
public sealed class ReleaseStore(IObjectStore store)
{
    private const string Json = "application/json";
    private const string NoCache = "no-cache";

    public IObjectStore Objects => store;

    /// <summary>How a message names a document: the store, then its key.</summary>
    public string Where(string key) => $"{store.Location.TrimEnd('/')}/{key}";

    // ---- the live pointer ----

    public async Task<LiveState> ReadLiveAsync(CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(StoreLayout.LiveKey, cancellationToken);
        return stored is null
            ? new LiveState(null, null)
            : new LiveState(StoreDocuments.ReadPointer(stored.Content, Where(StoreLayout.LiveKey)), stored.ETag);
    }

    public Task<WriteResult> WritePointerAsync(LivePointer pointer, string? expectedETag, CancellationToken cancellationToken) =>
        store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes(StoreDocuments.Serialize(pointer), Json, NoCache),
            WriteCondition.Expecting(expectedETag), cancellationToken);

    // ---- release manifests ----

    /// <summary>Reads a manifest without throwing for one that is unreadable: for readers that report (verify) or stop with context (cleanup).</summary>
    public async Task<ManifestRead> ReadManifestAsync(ReleaseId id, CancellationToken cancellationToken)
    {
        var key = StoreLayout.Release(id);
        var stored = await store.GetAsync(key, cancellationToken);
        if (stored is null) return new ManifestRead(null, null);
        try
        {
            return new ManifestRead(StoreDocuments.ReadManifest(stored.Content, Where(key), id), null);
        }
        catch (CorruptStoreException e)
        {
            return new ManifestRead(null, e);
        }
    }

    /// <summary>The manifest, or null when there is none; an unreadable one throws <see cref="CorruptStoreException"/>.</summary>
    public async Task<Manifest?> TryReadManifestAsync(ReleaseId id, CancellationToken cancellationToken) =>
        (await ReadManifestAsync(id, cancellationToken)).OrThrow();

    /// <summary>
    /// The manifest a CDN diff starts from, read after a flip: one that is missing or unreadable is unknown,
    /// and the diff then covers the whole site (more than needed, never less). Throwing here would report a
    /// flip that happened as a failure with the live release unchanged.
    /// </summary>
    public async Task<Manifest?> ReadManifestToDiffFromAsync(ReleaseId id, CancellationToken cancellationToken) =>
        (await ReadManifestAsync(id, cancellationToken)).Manifest;

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
        await TryReadManifestAsync(id, cancellationToken) ?? throw LiveManifestMissing(id);

    /// <summary>What is wrong when the pointer names a release whose manifest is not in the store.</summary>
    public CorruptStoreException LiveManifestMissing(ReleaseId id) =>
        new($"{Where(StoreLayout.LiveKey)} names release {id}, whose manifest is missing; promote an existing release to repair it");

    /// <summary>What is wrong when the user names a release that is not in the store.</summary>
    public UsageException NoSuchRelease(ReleaseId id) =>
        new($"release {id} does not exist in {store.Location}; `jamdeploy releases` lists them");

    public async Task WriteManifestAsync(Manifest manifest, CancellationToken cancellationToken)
    {
        var written = await store.PutAsync(StoreLayout.Release(manifest.Id),
            ObjectContent.FromBytes(StoreDocuments.Serialize(manifest), Json, NoCache), WriteCondition.IfAbsent, cancellationToken);
        if (!written.Written)
            throw new StoreException($"{store.Location}: release {manifest.Id} already exists; manifests are never overwritten (rerun the deploy)");
    }

    /// <summary>Every release manifest in the store by its key; keys that name no release id are not releases.</summary>
    public async IAsyncEnumerable<ListedRelease> ListReleasesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var info in store.ListAsync(StoreLayout.ReleasesPrefix, cancellationToken))
            if (StoreLayout.TryParseRelease(info.Key, out var id)) yield return new ListedRelease(id, info);
    }

    public async IAsyncEnumerable<ReleaseId> ListReleaseIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var release in ListReleasesAsync(cancellationToken)) yield return release.Id;
    }

    // ---- pins ----

    /// <summary>Pinning twice is harmless: the newer document wins.</summary>
    public Task WritePinAsync(PinDocument pin, CancellationToken cancellationToken) =>
        store.PutAsync(StoreLayout.Pin(pin.Release), ObjectContent.FromBytes(StoreDocuments.Serialize(pin), Json, NoCache), WriteCondition.None, cancellationToken);

    /// <returns>False when the release was not pinned.</returns>
    public async Task<bool> DeletePinAsync(ReleaseId release, CancellationToken cancellationToken)
    {
        var key = StoreLayout.Pin(release);
        if (await store.HeadAsync(key, cancellationToken) is null) return false;
        await store.DeleteAsync([key], cancellationToken);
        return true;
    }

    /// <summary>The pinned releases. A pin's key is the truth: its body is for people, so an unreadable one still pins.</summary>
    public async Task<IReadOnlySet<ReleaseId>> ReadPinsAsync(CancellationToken cancellationToken)
    {
        var pins = new HashSet<ReleaseId>();
        await foreach (var info in store.ListAsync(StoreLayout.PinsPrefix, cancellationToken))
            if (StoreLayout.TryParsePin(info.Key, out var id)) pins.Add(id);
        return pins;
    }

    /// <summary>The pinned releases with their pin's note (null when it has none or its body cannot be read).</summary>
    public async Task<IReadOnlyDictionary<ReleaseId, string?>> ReadPinNotesAsync(CancellationToken cancellationToken)
    {
        var notes = new Dictionary<ReleaseId, string?>();
        foreach (var id in await ReadPinsAsync(cancellationToken))
        {
            // A pin removed between the list and the read is simply gone.
            if (await store.GetAsync(StoreLayout.Pin(id), cancellationToken) is { } stored)
                notes[id] = StoreDocuments.TryReadPin(stored.Content)?.Note;
        }
        return notes;
    }

    // ---- the store lease ----

    /// <returns>Null when there is none. Its document is null when it cannot be read; one of a newer format throws.</returns>
    public async Task<LeaseRead?> ReadLeaseAsync(CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(StoreLayout.LeaseKey, cancellationToken);
        return stored is null ? null : new LeaseRead(StoreDocuments.TryReadLease(stored.Content, Where(StoreLayout.LeaseKey)), stored.ETag);
    }

    /// <summary>Writes the lease if there is none, or over the one read with <paramref name="expectedETag"/>.</summary>
    public Task<WriteResult> WriteLeaseAsync(LeaseDocument lease, string? expectedETag, CancellationToken cancellationToken) =>
        store.PutAsync(StoreLayout.LeaseKey, ObjectContent.FromBytes(StoreDocuments.Serialize(lease), Json, NoCache),
            WriteCondition.Expecting(expectedETag), cancellationToken);
}
