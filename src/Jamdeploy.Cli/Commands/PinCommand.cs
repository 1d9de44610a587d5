using System.CommandLine;
using Jamdeploy.Cleanup;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy pin &lt;release&gt;</c>: cleanup keeps the release, whatever its age, until it is unpinned.</summary>
public sealed class PinCommand : CommandBase
{
    private static readonly Argument<string> ReleaseArgument = new("release") { Description = ReleaseArguments.Description };
    private static readonly Option<string?> NoteOption = new("--note") { HelpName = "text", Description = "Why it is pinned, kept with the pin" };

    public PinCommand() : base("pin", "Keep a release through every cleanup")
    {
        Arguments.Add(ReleaseArgument);
        Options.Add(NoteOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var id = await ReleaseArguments.ResolveAsync(context, context.ParseResult.GetValue(ReleaseArgument)!, cancellationToken);
        await new ReleasePins(context.Store, context.Time) { WaitingForLease = context.SayWaiting }.PinAsync(id, context.ParseResult.GetValue(NoteOption), cancellationToken);
        return new PinResultView(context.Store.Location, id.Value, Pinned: true);
    }
}
