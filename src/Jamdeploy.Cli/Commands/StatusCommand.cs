using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy status</c>: which release is live, since when, and where rollback would go.</summary>
public sealed class StatusCommand : CommandBase
{
    public StatusCommand() : base("status", "Show the live release") { }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var status = await context.CreateReleaseOperations(wait: false).StatusAsync(cancellationToken);
        return StatusResultView.From(status);
    }
}
