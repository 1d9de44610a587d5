using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy status</c>: what is live, since when, where rollback would go, and whether the edge pointer agrees.</summary>
public sealed class StatusCommand : CommandBase
{
    public StatusCommand() : base("status", "Show the live release") { }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var status = await context.CreateReleaseOperations(wait: false).StatusAsync(cancellationToken);
        // Serverless CloudFront: the edge pointer is a projection of live.json; say when they disagree.
        var edge = context.EdgePointer is { } pointer ? await pointer.CompareAsync(cancellationToken) : null;
        return StatusResultView.From(status, edge);
    }
}
