namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy sync-edge</c>: makes the CDN's edge pointer (the CloudFront KeyValueStore key) name the release
/// <c>live.json</c> names, after a deploy, promote or rollback exited 3 because that write failed. Runs the same
/// convergence loop as every flip; idempotent, and exit 0 with nothing written when the two already agree.
/// </summary>
public sealed class SyncEdgeCommand : CommandBase
{
    public SyncEdgeCommand() : base("sync-edge", "Make the CDN's edge pointer (KeyValueStore) name the live release") { }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var edge = context.CreateEdgePointer()
            ?? throw new UsageException("no edge pointer is configured: set Cdn:KeyValueStore:Arn (serverless CloudFront) to use sync-edge");
        await edge.CheckReadyAsync(cancellationToken);
        var result = await edge.SyncAsync(cancellationToken);
        context.Output.Json(new
        {
            edge = result.Edge, live = result.Live?.Value, edgeValue = result.EdgeValue, previous = result.Previous,
            written = result.Written, inSync = result.InSync,
        });
        if (result.Live is not { } live)
            context.Output.Line($"no live release in {context.StoreLocation}: nothing to put on the edge ({result.Edge} names {result.EdgeValue ?? "nothing"})");
        else if (result.Written)
            context.Output.Line($"edge pointer: {live} (was {result.Previous ?? "unset"}) on {result.Edge}");
        else
            context.Output.Line($"edge pointer: {live}, already the live release, on {result.Edge}");
        return ExitCodes.Done;
    }
}
