using System.CommandLine;
using Jamdeploy.Cleanup;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy unpin &lt;release&gt;</c>: the release is subject to the retention rules again.</summary>
public sealed class UnpinCommand : CommandBase
{
    private static readonly Argument<string> ReleaseArgument = new("release") { Description = "A pinned release: its id, a unique prefix of one, `live` or `previous`" };

    public UnpinCommand() : base("unpin", "Let cleanup treat a pinned release like any other")
    {
        Arguments.Add(ReleaseArgument);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var id = await ReleaseArguments.ResolveAsync(context, context.ParseResult.GetValue(ReleaseArgument)!, cancellationToken, includePins: true);
        var wasPinned = await new ReleasePins(context.Store, context.Time).UnpinAsync(id, cancellationToken);
        return new PinResultView(context.Store.Location, id.Value, Pinned: false) { WasPinned = wasPinned };
    }
}
