using System.Collections.Immutable;
using Jamdeploy.Model;

namespace Jamdeploy.Releases;

/// <summary>What moved the pointer.</summary>
public enum FlipAction { Deploy, Promote, Rollback }

/// <summary>One move of the live pointer.</summary>
public sealed record PointerHistoryEntry(ReleaseId Release, DateTimeOffset At, FlipAction Action);

/// <summary>
/// The one small document naming the live release, with the recent moves (newest last) that rollback
/// walks back through. Written only by compare-and-swap.
/// </summary>
public sealed record LivePointer(ReleaseId Live, ImmutableList<PointerHistoryEntry> History)
{
    public const int CurrentFormat = 1;
    public const int DefaultHistoryLimit = 100;

    public int Format { get; init; } = CurrentFormat;

    public static LivePointer First(ReleaseId release, DateTimeOffset at, FlipAction action) =>
        new(release, [new PointerHistoryEntry(release, at, action)]);

    /// <summary>The pointer after one more move; the oldest entries fall off past the limit.</summary>
    public LivePointer MoveTo(ReleaseId release, DateTimeOffset at, FlipAction action, int historyLimit = DefaultHistoryLimit)
    {
        var history = History.Add(new PointerHistoryEntry(release, at, action));
        if (history.Count > historyLimit) history = history.RemoveRange(0, history.Count - historyLimit);
        return this with { Live = release, History = history };
    }

    /// <summary>The release that was live just before the current one, if the history remembers one.</summary>
    public ReleaseId? Previous()
    {
        for (var i = History.Count - 1; i >= 0; i--)
            if (History[i].Release != Live) return History[i].Release;
        return null;
    }
}
