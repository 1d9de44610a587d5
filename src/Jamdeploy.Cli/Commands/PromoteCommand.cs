using System.CommandLine;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy promote &lt;release&gt;</c>: make a stored release live, with no upload.</summary>
public sealed class PromoteCommand : CommandBase
{
    private static readonly Argument<string> ReleaseArgument = new("release") { Description = ReleaseArguments.Description };
    private static readonly Option<bool> ForceOption = new("--force") { Description = "Flip even if the live release changed meanwhile" };
    private static readonly Option<bool> WaitOption = new("--wait") { Description = "Wait until the CDN reports the invalidation complete" };
    private static readonly Option<bool> VerifyOption = new("--verify") { Description = "Check every blob of the release is stored first; refuse to switch if one is missing" };

    public PromoteCommand() : base("promote", "Make a stored release live")
    {
        Arguments.Add(ReleaseArgument);
        Options.Add(ForceOption);
        Options.Add(WaitOption);
        Options.Add(VerifyOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var id = await ReleaseArguments.ResolveAsync(context, context.ParseResult.GetValue(ReleaseArgument)!, cancellationToken);
        var result = await context.CreateReleaseOperations(context.ParseResult.GetValue(WaitOption), context.ParseResult.GetValue(VerifyOption))
            .PromoteAsync(id, context.ParseResult.GetValue(ForceOption), cancellationToken);
        return SwitchResultView.From("promote", context.Store.Location, result);
    }
}
