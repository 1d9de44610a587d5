using System.CommandLine;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy rollback [--to &lt;release&gt;]</c>: put an earlier release back, with no upload.</summary>
public sealed class RollbackCommand : CommandBase
{
    private static readonly Option<string?> ToOption = new("--to") { HelpName = "id", Description = "The release to go back to: an id, a unique prefix of one, or `previous` (the default: the one live before the current one)" };
    private static readonly Option<bool> ForceOption = new("--force") { Description = "Flip even if the live release changed meanwhile" };
    private static readonly Option<bool> WaitOption = new("--wait") { Description = "Wait until the CDN reports the invalidation complete" };
    private static readonly Option<bool> VerifyOption = new("--verify") { Description = "Check every blob of the release is stored first; refuse to switch if one is missing" };

    public RollbackCommand() : base("rollback", "Make the previously live release live again")
    {
        Options.Add(ToOption);
        Options.Add(ForceOption);
        Options.Add(WaitOption);
        Options.Add(VerifyOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var to = context.ParseResult.GetValue(ToOption) is { } text ? await ReleaseArguments.ResolveAsync(context, text, cancellationToken) : (Model.ReleaseId?)null;
        var result = await context.CreateReleaseOperations(context.ParseResult.GetValue(WaitOption), context.ParseResult.GetValue(VerifyOption))
            .RollbackAsync(to, context.ParseResult.GetValue(ForceOption), cancellationToken);
        return SwitchResultView.From("rollback", context.Store.Location, result);
    }
}
