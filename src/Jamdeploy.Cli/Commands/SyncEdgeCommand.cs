using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy sync-edge</c>: makes the CDN's edge pointer (the CloudFront KeyValueStore key) name the release
/// <c>live.json</c> names, after a deploy, promote or rollback exited 3 because that write failed. Runs the same
/// convergence loop as every flip; idempotent, and exit 0 with nothing written when the two already agree.
/// </summary>
public sealed class SyncEdgeCommand : CommandBase
{
    public SyncEdgeCommand() : base("sync-edge", "Make the CDN's edge pointer (KeyValueStore) name the live release") { }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var edge = context.EdgePointer
            ?? throw new UsageException("no edge pointer is configured: set Cdn:KeyValueStore:Arn (serverless CloudFront) to use sync-edge");
        await edge.CheckReadyAsync(cancellationToken);
        return SyncEdgeResultView.From(await edge.SyncAsync(cancellationToken), context.Store.Location);
    }
}
