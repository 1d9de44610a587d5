using Jamdeploy.Model;
using Jamdeploy.Storage;

namespace Jamdeploy.TestSupport;

/// <summary>What a person does to a store with a file browser or the S3 console, past jamdeploy's checks.</summary>
public static class ByHand
{
    /// <summary>Copies a release's manifest, byte for byte, under another release's key.</summary>
    public static async Task<ReleaseId> CopyManifestAsync(IObjectStore store, ReleaseId from, string to = "copied-by-hand")
    {
        var copy = ReleaseId.Parse(to);
        var stored = await store.GetAsync(StoreLayout.Release(from), CancellationToken.None) ?? throw new InvalidOperationException($"{from} is gone");
        await store.PutAsync(StoreLayout.Release(copy), ObjectContent.FromBytes(stored.Content, "application/json"), WriteCondition.IfAbsent, CancellationToken.None);
        return copy;
    }
}
