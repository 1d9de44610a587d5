using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Cleanup;

/// <summary>Why a release is kept. A release with no reason is deleted.</summary>
[Flags]
public enum KeepReasons
{
    None = 0,
    /// <summary>The live pointer names it.</summary>
    Live = 1,
    /// <summary>Where <c>jamdeploy rollback</c> goes next, or went at any moment within the grace period.</summary>
    RollbackTarget = 2,
    /// <summary><c>jamdeploy pin</c> asked for it.</summary>
    Pinned = 4,
    /// <summary>Among the newest <see cref="RetentionRules.KeepLast"/>.</summary>
    Newest = 8,
    /// <summary>Younger than <see cref="RetentionRules.KeepFor"/>.</summary>
    Young = 16,
    /// <summary>Live at some moment within the grace period: a deploy planned from it may still reuse its blobs.</summary>
    LiveWithinGrace = 32,
    /// <summary>Made or stored within the grace period: its deploy may be about to flip the pointer to it.</summary>
    MadeWithinGrace = 64,
}

/// <summary>
/// A release as retention sees it: its name, when its deploy made it (the manifest's own time) and when
/// the store got the manifest (the store's clock).
/// </summary>
public sealed record ReleaseAge(ReleaseId Id, DateTimeOffset Created, DateTimeOffset Stored);

public sealed record RetentionDecision(ReleaseId Id, DateTimeOffset Created, KeepReasons Reasons)
{
    public bool Keep => Reasons != KeepReasons.None;
}

/// <summary>Which releases cleanup keeps: a pure function of the releases, the pointer, the pins and the clock.</summary>
public static class RetentionPolicy
{
    /// <returns>One decision per release, oldest first.</returns>
    public static IReadOnlyList<RetentionDecision> Decide(
        IEnumerable<ReleaseAge> releases,
        LivePointer? pointer,
        IReadOnlySet<ReleaseId> pins,
        DateTimeOffset now,
        RetentionRules rules)
    {
        var ordered = releases
            .DistinctBy(r => r.Id)
            .OrderBy(r => r.Created)
            .ThenBy(r => r.Id.Value, StringComparer.Ordinal)
            .ToList();
        var newest = ordered.TakeLast(rules.KeepLast).Select(r => r.Id).ToHashSet();
        var window = PointerWindow.Of(pointer, now - rules.GracePeriod);

        return ordered.Select(r =>
        {
            var reasons = KeepReasons.None;
            if (pointer?.Live == r.Id) reasons |= KeepReasons.Live;
            if (window.RollbackTargets.Contains(r.Id)) reasons |= KeepReasons.RollbackTarget;
            if (pins.Contains(r.Id)) reasons |= KeepReasons.Pinned;
            if (newest.Contains(r.Id)) reasons |= KeepReasons.Newest;
            if (now - r.Created < rules.KeepFor) reasons |= KeepReasons.Young;
            if (now - Max(r.Created, r.Stored) < rules.GracePeriod) reasons |= KeepReasons.MadeWithinGrace;
            if ((window.Live.Contains(r.Id) || (window.UnknownBefore is { } oldest && r.Created <= oldest)) && (reasons & KeepReasons.Live) == 0)
                reasons |= KeepReasons.LiveWithinGrace;
            return new RetentionDecision(r.Id, r.Created, reasons);
        }).ToList();
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// What the pointer's history says about the grace window: every release live at some moment in it,
    /// and every release that rollback would have gone to at such a moment (a rollback that read the
    /// pointer then may still be on its way, and with --force it flips whatever is live by now).
    /// </summary>
    /// <param name="UnknownBefore">
    /// Set when the history starts inside the window (cut at its size limit, or the site is that young): the release live before the
    /// oldest remembered move is unknown, so every release made up to that move might have been live.
    /// </param>
    private sealed record PointerWindow(HashSet<ReleaseId> Live, HashSet<ReleaseId> RollbackTargets, DateTimeOffset? UnknownBefore)
    {
        public static PointerWindow Of(LivePointer? pointer, DateTimeOffset since)
        {
            var window = new PointerWindow([], [], null);
            if (pointer is null) return window;
            if (pointer.Previous() is { } previous) window.RollbackTargets.Add(previous);
            var history = pointer.History;
            // Entry i was live from its own time until the next entry's time; the last one is live now.
            for (var i = 0; i < history.Count; i++)
            {
                var replacedAt = i + 1 < history.Count ? history[i + 1].At : DateTimeOffset.MaxValue;
                if (replacedAt < since) continue;
                window.Live.Add(history[i].Release);
                for (var j = i - 1; j >= 0; j--)
                {
                    if (history[j].Release == history[i].Release) continue;
                    window.RollbackTargets.Add(history[j].Release);
                    break;
                }
            }
            // Whatever the history limit was (Deploy:HistoryLimit): an oldest entry inside the window means the
            // moves before it are not known.
            return history.Count > 0 && history[0].At > since
                ? window with { UnknownBefore = history[0].At }
                : window;
        }
    }
}
