using Jamdeploy.Model;

namespace Jamdeploy.Storage;

/// <summary>The only place that builds object keys (DESIGN.md, store layout).</summary>
public static class StoreLayout
{
    public const string BlobsPrefix = "blobs/";
    public const string ReleasesPrefix = "releases/";
    public const string LiveKey = "live.json";

    /// <summary>
    /// Held by cleanup while it deletes, and by deploy and pin while they make a release live or pinned: the two
    /// must never interleave (Releases/ReleaseLease.cs, Releases/DeletionWatch.cs). Promote and rollback are kept
    /// apart from cleanup by its mark in the live pointer instead (Releases/LivePointer.cs, CleanupMark).
    /// </summary>
    public const string LeaseKey = "lease.json";

    /// <summary>One small object per pinned release: cleanup never deletes a release that has one.</summary>
    public const string PinsPrefix = "pins/";
    private const string ManifestSuffix = ".json";

    public static string Blob(ContentHash hash) => BlobsPrefix + hash.Hex;

    public static string Release(ReleaseId id) => ReleasesPrefix + id.Value + ManifestSuffix;

    public static string Pin(ReleaseId id) => PinsPrefix + id.Value;

    public static bool TryParseBlob(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ContentHash? hash)
    {
        hash = null;
        return key.StartsWith(BlobsPrefix, StringComparison.Ordinal) && ContentHash.TryParse(key[BlobsPrefix.Length..], out hash);
    }

    public static bool TryParseRelease(string key, out ReleaseId id)
    {
        id = default;
        return key.StartsWith(ReleasesPrefix, StringComparison.Ordinal)
            && key.EndsWith(ManifestSuffix, StringComparison.Ordinal)
            && ReleaseId.TryParse(key[ReleasesPrefix.Length..^ManifestSuffix.Length], out id);
    }

    public static bool TryParsePin(string key, out ReleaseId id)
    {
        id = default;
        return key.StartsWith(PinsPrefix, StringComparison.Ordinal) && ReleaseId.TryParse(key[PinsPrefix.Length..], out id);
    }
}
