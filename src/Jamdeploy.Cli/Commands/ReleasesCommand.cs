using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy releases</c>: every stored release, newest first, the live one marked.</summary>
public sealed class ReleasesCommand : CommandBase
{
    public ReleasesCommand() : base("releases", "List the stored releases, newest first") { }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var releases = await context.CreateReleaseOperations(wait: false).ListAsync(cancellationToken);
        return ReleasesResultView.From(context.StoreLocation, releases);
    }
}
