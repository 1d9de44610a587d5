using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Jamdeploy.Model;

namespace Jamdeploy.Releases;

/// <summary>What moved the pointer.</summary>
public enum FlipAction { Deploy, Promote, Rollback }

/// <summary>One move of the live pointer.</summary>
public sealed record PointerHistoryEntry(ReleaseId Release, DateTimeOffset At, FlipAction Action);

/// <summary>
/// <see cref="Manifests.Manifest.ContentDigest"/> of a release, stored with the release it belongs to: a
/// pointer edited by hand to name another release cannot lend it a digest that is not its own.
/// </summary>
public sealed record ReleaseDigest(ReleaseId Release, ContentHash Content);

/// <summary>
/// The one small document naming the live release, with the recent moves (newest last) that rollback
/// walks back through. Written only by compare-and-swap.
/// </summary>
public sealed record LivePointer(ReleaseId Live, ImmutableList<PointerHistoryEntry> History)
{
    public const int CurrentFormat = 1;
    public const int DefaultHistoryLimit = 100;

    public int Format { get; init; } = CurrentFormat;

    /// <summary>
    /// The content digest of the live release, so a redeploy of the same folder is known to be a no-op from
    /// this document alone. Absent in pointers written before it existed.
    /// </summary>
    public ReleaseDigest? LiveDigest { get; init; }

    /// <summary>The live release's content digest, when the pointer has one and it belongs to that release.</summary>
    [JsonIgnore]
    public ContentHash? LiveContent => LiveDigest is { } digest && digest.Release == Live ? digest.Content : null;

    public static LivePointer First(ReleaseId release, DateTimeOffset at, FlipAction action, ContentHash? liveDigest = null) =>
        new(release, [new PointerHistoryEntry(release, at, action)]) { LiveDigest = DigestOf(release, liveDigest) };

    /// <summary>The pointer after one more move; the oldest entries fall off past the limit.</summary>
    public LivePointer MoveTo(ReleaseId release, DateTimeOffset at, FlipAction action, int historyLimit = DefaultHistoryLimit, ContentHash? liveDigest = null)
    {
        var history = History.Add(new PointerHistoryEntry(release, at, action));
        if (history.Count > historyLimit) history = history.RemoveRange(0, history.Count - historyLimit);
        // The digest always belongs to the release moved to: an old one must never survive a move.
        return this with { Live = release, History = history, LiveDigest = DigestOf(release, liveDigest) };
    }

    private static ReleaseDigest? DigestOf(ReleaseId release, ContentHash? content) => content is { } c ? new ReleaseDigest(release, c) : null;

    /// <summary>
    /// Where <c>jamdeploy rollback</c> goes: the release live before the current one, or null when there is none or
    /// the last move was itself a rollback to the release still live. A rollback undoes the last deploy or promote,
    /// so running it again (a CI retry of one whose outcome was lost or misread) finds it done instead of flipping
    /// back; <c>rollback --to</c> goes further back.
    /// </summary>
    public ReleaseId? RollbackTarget() => LastRollback is null ? Previous() : null;

    /// <summary>The last move, when it was a rollback to the release still live.</summary>
    [JsonIgnore]
    public PointerHistoryEntry? LastRollback =>
        History is [.., { Action: FlipAction.Rollback } last] && last.Release == Live ? last : null;

    /// <summary>The release that was live just before the current one, if the history remembers one.</summary>
    public ReleaseId? Previous()
    {
        for (var i = History.Count - 1; i >= 0; i--)
            if (History[i].Release != Live) return History[i].Release;
        return null;
    }
}
