using Jamdeploy.Cli.Output;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy status</c>: which release is live, since when, and where rollback would go.</summary>
public sealed class StatusCommand : CommandBase
{
    public StatusCommand() : base("status", "Show the live release") { }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var status = await context.CreateReleaseOperations(wait: false).StatusAsync(cancellationToken);
        var live = status.Live;
        // Serverless CloudFront: the edge pointer is a projection of live.json; say when they disagree.
        var edge = context.CreateEdgePointer() is { } pointer ? await pointer.CompareAsync(cancellationToken) : null;
        context.Output.Json(new
        {
            store = status.Store,
            live = live is null ? null : new { id = live.Id.Value, created = live.Created, files = live.Files, bytes = live.Bytes, message = live.Message, commit = live.Commit },
            liveSince = status.LiveSince,
            liveBy = status.LiveBy,
            rollbackTarget = status.RollbackTarget?.Value,
            historyEntries = status.HistoryEntries,
            edgePointer = edge is null ? null : new { edge = edge.Edge, value = edge.EdgeValue, inSync = edge.InSync },
        });
        if (live is null)
        {
            context.Output.Line($"no live release in {status.Store}; `jamdeploy deploy <dir>` makes one");
            WriteEdge(context, edge);
            return ExitCodes.Done;
        }
        context.Output.Line($"live: {live.Id} ({Format.Plural(live.Files, "file")}, {Format.Bytes(live.Bytes)}) since {Format.Time(status.LiveSince!.Value)} by {status.LiveBy!.Value.ToString().ToLowerInvariant()}");
        if (live.Message is { Length: > 0 } m) context.Output.Line($"message: {m}");
        if (live.Commit is { Length: > 0 } c) context.Output.Line($"commit: {c}");
        context.Output.Line($"store: {status.Store}");
        context.Output.Line(status.RollbackTarget is { } r ? $"rollback target: {r}" : "rollback target: none");
        WriteEdge(context, edge);
        return ExitCodes.Done;
    }

    private static void WriteEdge(CommandContext context, EdgeSyncResult? edge)
    {
        if (edge is null) return;
        context.Output.Line(edge.InSync
            ? $"edge pointer: {edge.EdgeValue ?? "unset"} (in sync) on {edge.Edge}"
            : $"edge pointer: {edge.EdgeValue ?? "unset"} on {edge.Edge} DISAGREES with live.json ({edge.Live?.ToString() ?? "no release"}): run `jamdeploy sync-edge`");
    }
}
