using System.CommandLine;
using Jamdeploy.Cli.Results;
using Jamdeploy.Invalidation;
using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy invalidate [--release &lt;id&gt;]</c>: tells the CDN again what a past flip changed, after a
/// deploy, promote or rollback exited 3. Plans from the pointer history (the release against the one live
/// before it) and reuses the flip's caller reference, so an invalidation that did get through is not repeated.
/// </summary>
public sealed class InvalidateCommand : CommandBase
{
    private static readonly Option<string?> ReleaseOption = new("--release") { HelpName = "id", Description = "The release whose flip to invalidate: an id, a unique prefix of one, `live` or `previous` (default: the live one)" };
    private static readonly Option<bool> WaitOption = new("--wait") { Description = "Wait until the CDN reports the invalidation complete" };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print the paths and the estimated cost, and send nothing" };

    public InvalidateCommand() : base("invalidate", "Tell the CDN to forget what the last flip to a release changed")
    {
        Options.Add(ReleaseOption);
        Options.Add(WaitOption);
        Options.Add(DryRunOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var release = parse.GetValue(ReleaseOption) is { } text ? await ReleaseArguments.ResolveAsync(context, text, cancellationToken) : (ReleaseId?)null;
        var dryRun = parse.GetValue(DryRunOption);
        var notifier = context.CreateCdnNotifier(parse.GetValue(WaitOption));
        var flip = await FlipLookup.FindAsync(new ReleaseStore(context.Store), release, cancellationToken);
        var plan = notifier.Plan(flip.Before, flip.After);

        if (dryRun || plan.IsEmpty || !notifier.Invalidates)
            return InvalidationPlanResultView.From(context.Store.Location, flip, notifier.CdnName, plan, notifier.Options.Limits, dryRun);
        await notifier.CheckReadyAsync(cancellationToken);
        // The CDN only: the edge pointer follows live.json, whatever release this resends (`jamdeploy sync-edge`).
        var outcome = await notifier.InvalidateAsync(flip.Before, flip.After, flip.At, cancellationToken);
        return InvalidateResultView.From(context.Store.Location, flip, notifier.CdnName, plan, outcome);
    }
}
