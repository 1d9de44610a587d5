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
/// The releases a cleanup is deleting, written into the pointer by compare-and-swap against the very pointer it
/// decided from, before it deletes the first of them, and taken out again once their manifests are gone. Every
/// flip is a compare-and-swap on the same document and refuses a release it names, so a promote or rollback and
/// a cleanup are ordered by the pointer alone: a flip that read the pointer before the mark loses its swap and
/// sees the mark; a mark made after a flip was decided from a pointer that names the new live release, and keeps
/// it (README, "Cleanup, deploys, promote and rollback").
/// </summary>
/// <param name="Cleanup">The cleanup's store lease token: only that run takes its mark out again.</param>
public sealed record CleanupMark(string Cleanup, DateTimeOffset Since, ImmutableList<ReleaseId> Releases)
{
    public bool Names(ReleaseId release) => Releases.Contains(release);
}

/// <summary>
/// The one small document naming the live release, with the recent moves (newest last) that rollback
/// walks back through. Written only by compare-and-swap.
/// </summary>
public sealed record LivePointer(ReleaseId Live, ImmutableList<PointerHistoryEntry> History)
{
    /// <summary>
    /// Written while a cleanup marks releases it is deleting (<see cref="Deleting"/>): a jamdeploy that does not know
    /// the mark refuses the pointer rather than flip over it, or write it back without the mark.
    /// </summary>
    public const int CurrentFormat = 2;

    /// <summary>Written otherwise, so that older jamdeploys and edges read the pointer as before.</summary>
    public const int PlainFormat = 1;

    public const int DefaultHistoryLimit = 100;

    /// <summary>What the content needs when written; the number read is kept apart, for the reader's check only.</summary>
    public int Format { get => Deleting is null ? PlainFormat : CurrentFormat; init => _formatAsRead = value; }

    private readonly int? _formatAsRead;

    /// <summary>The format number the stored document carried (null: none, or not read from a store).</summary>
    [JsonIgnore]
    public int? FormatAsRead => _formatAsRead;

    /// <summary>The releases a cleanup is deleting now (or was, when it was killed): no flip makes one of them live.</summary>
    public CleanupMark? Deleting { get; init; }

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

    /// <summary>
    /// Whether both name the same live release after the same moves: a pointer that changed in nothing else (a
    /// cleanup's mark came or went) did not move, and a flip planned from one may be made over the other.
    /// </summary>
    public bool SameMovesAs(LivePointer other) =>
        Live == other.Live && LiveDigest == other.LiveDigest && History.SequenceEqual(other.History);

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
