using System.CommandLine;
using Jamdeploy.Cleanup;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy unpin &lt;release&gt;</c>: the release is subject to the retention rules again.</summary>
public sealed class UnpinCommand : CommandBase
{
    private static readonly Argument<string> ReleaseArgument = new("release") { Description = "A pinned release" };

    public UnpinCommand() : base("unpin", "Let cleanup treat a pinned release like any other")
    {
        Arguments.Add(ReleaseArgument);
    }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var id = ReleaseIds.ParseArgument(context.ParseResult.GetValue(ReleaseArgument)!);
        var wasPinned = await new ReleasePins(context.Store, context.Time).UnpinAsync(id, cancellationToken);
        context.Output.Json(new { release = id.Value, pinned = false, wasPinned });
        context.Output.Line(wasPinned ? $"unpinned: {id}" : $"unchanged: {id} was not pinned");
        return ExitCodes.Done;
    }
}
