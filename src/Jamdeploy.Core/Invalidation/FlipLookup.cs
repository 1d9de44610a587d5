using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Invalidation;

/// <summary>A move of the live pointer, as the CDN must hear of it: from which manifest to which, and when.</summary>
public sealed record Flip(Manifest? Before, Manifest After, DateTimeOffset? At);

/// <summary>
/// Finds a past flip in the pointer history, so <c>jamdeploy invalidate</c> can resend exactly the
/// invalidation that flip should have caused (same paths, same caller reference).
/// </summary>
public static class FlipLookup
{
    /// <summary>
    /// The latest flip to <paramref name="release"/> (default: the live release) and the release live just
    /// before it. When the history no longer reaches back that far, or that manifest was cleaned up or is unreadable,
    /// <see cref="Flip.Before"/> is null and the plan covers the whole site: more than needed, never less.
    /// </summary>
    public static async Task<Flip> FindAsync(ReleaseStore releases, ReleaseId? release, CancellationToken cancellationToken)
    {
        var pointer = (await releases.ReadLiveAsync(cancellationToken)).Pointer
            ?? throw new UsageException($"nothing to invalidate: no release has been made live in {releases.Objects.Location}");
        var target = release ?? pointer.Live;
        var index = pointer.History.FindLastIndex(e => e.Release == target);
        if (index < 0)
            throw new UsageException($"release {target} is not in the live pointer's history, so no flip to it needs invalidating; `jamdeploy promote {target}` makes it live");

        ReleaseId? before = null;
        for (var i = index - 1; i >= 0 && before is null; i--)
            if (pointer.History[i].Release != target) before = pointer.History[i].Release;

        var after = release is null
            ? await releases.ReadLiveManifestAsync(target, cancellationToken)
            : await releases.ReadRequestedManifestAsync(target, cancellationToken);
        var beforeManifest = before is { } b ? await releases.ReadManifestToDiffFromAsync(b, cancellationToken) : null;
        return new Flip(beforeManifest, after, pointer.History[index].At);
    }
}
