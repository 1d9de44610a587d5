using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy sync-edge</c>: what the edge pointer names now, and whether this run had to write it.</summary>
public sealed record SyncEdgeResultView(string Store, string Edge, string? Live, string? EdgeValue, string? Previous, bool Written, bool InSync) : ICommandResult
{
    public static SyncEdgeResultView From(EdgeSyncResult result, string store) =>
        new(store, result.Edge, result.Live?.Value, result.EdgeValue, result.Previous, result.Written, result.InSync);

    public IEnumerable<string> Lines()
    {
        if (Live is null)
            yield return $"no live release in {Store}: nothing to put on the edge ({Edge} names {EdgeValue ?? "nothing"})";
        else if (Written)
            yield return $"edge pointer: {Live} (was {Previous ?? "unset"}) on {Edge}";
        else
            yield return $"edge pointer: {Live}, already the live release, on {Edge}";
        if (Live is not null) yield return $"store: {Store}";
    }
}
