using Jamdeploy.Cli.Output;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy status</c>: the live release, since when, by which move, and where rollback would go.</summary>
public sealed record StatusResultView(
    string Store, LiveReleaseView? Live, DateTimeOffset? LiveSince, FlipAction? LiveBy, string? RollbackTarget, int HistoryEntries,
    EdgePointerView? EdgePointer) : ICommandResult
{
    public static StatusResultView From(SiteStatus status, EdgeSyncResult? edge = null) =>
        new(status.Store, status.Live is { } l ? LiveReleaseView.From(l) : null, status.LiveSince, status.LiveBy,
            status.RollbackTarget?.Value, status.HistoryEntries, edge is null ? null : new EdgePointerView(edge.Edge, edge.EdgeValue, edge.InSync));

    public IEnumerable<string> Lines()
    {
        if (Live is null)
        {
            yield return $"no live release in {Store}; `jamdeploy deploy <dir>` makes one";
            if (EdgeLine() is { } line) yield return line;
            yield break;
        }
        var since = LiveSince is { } at ? $" since {Format.Time(at)}" : "";
        var by = LiveBy is { } action ? $" by {action.ToString().ToLowerInvariant()}" : "";
        yield return $"live: {Live.Id} ({Format.Plural(Live.Files, "file")}, {Format.Bytes(Live.Bytes)}){since}{by}";
        if (Live.Message is { Length: > 0 } m) yield return $"message: {m}";
        if (Live.Commit is { Length: > 0 } c) yield return $"commit: {c}";
        yield return $"store: {Store}";
        yield return RollbackTarget is { } r ? $"rollback target: {r}" : "rollback target: none";
        if (EdgeLine() is { } edge) yield return edge;
    }

    private string? EdgeLine() => EdgePointer switch
    {
        null => null,
        { InSync: true } e => $"edge pointer: {e.Value ?? "unset"} (in sync) on {e.Edge}",
        var e => $"edge pointer: {e.Value ?? "unset"} on {e.Edge} DISAGREES with live.json ({Live?.Id ?? "no release"}): run `jamdeploy sync-edge`",
    };
}

/// <summary>The CDN's edge pointer (serverless CloudFront's KeyValueStore key) next to <c>live.json</c>.</summary>
public sealed record EdgePointerView(string Edge, string? Value, bool InSync);

/// <summary>The live release as <c>status</c> shows it.</summary>
public sealed record LiveReleaseView(string Id, DateTimeOffset Created, int Files, long Bytes, string? Message, string? Commit)
{
    public static LiveReleaseView From(ReleaseSummary r) => new(r.Id.Value, r.Created, r.Files, r.Bytes, r.Message, r.Commit);
}
