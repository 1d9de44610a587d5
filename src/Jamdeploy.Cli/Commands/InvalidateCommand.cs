using System.Globalization;
using System.CommandLine;
using Jamdeploy.Cli.Output;
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
    private static readonly Option<string?> ReleaseOption = new("--release") { HelpName = "id", Description = "The release whose flip to invalidate (default: the live one)" };
    private static readonly Option<bool> WaitOption = new("--wait") { Description = "Wait until the CDN reports the invalidation complete" };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print the paths and the estimated cost, and send nothing" };

    public InvalidateCommand() : base("invalidate", "Tell the CDN to forget what the last flip to a release changed")
    {
        Options.Add(ReleaseOption);
        Options.Add(WaitOption);
        Options.Add(DryRunOption);
    }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var release = parse.GetValue(ReleaseOption) is { } text ? ReleaseIds.ParseArgument(text) : (ReleaseId?)null;
        var dryRun = parse.GetValue(DryRunOption);
        var notifier = context.CreateCdnNotifier(parse.GetValue(WaitOption));
        var flip = await FlipLookup.FindAsync(new ReleaseStore(context.Store), release, cancellationToken);
        var plan = notifier.Plan(flip.Before, flip.After);

        if (dryRun || plan.IsEmpty || notifier.CdnName == "none")
        {
            InvalidationReport.WritePlan(context.Output, plan, flip, notifier, dryRun);
            return ExitCodes.Done;
        }
        await notifier.CheckReadyAsync(cancellationToken);
        var outcome = await notifier.NotifyAsync(flip.Before, flip.After, flip.At, cancellationToken);
        context.Output.Json(new
        {
            release = flip.After.Id.Value, before = flip.Before?.Id.Value, cdn = notifier.CdnName, paths = plan.Paths, reason = plan.Reason,
            invalidationIds = outcome.InvalidationIds, completed = outcome.Completed,
        });
        var state = outcome.Completed ? "completed" : "in progress";
        context.Output.Line($"invalidated {Format.Plural(outcome.PathCount, "path")} on {notifier.CdnName} for {flip.After.Id} ({string.Join(", ", outcome.InvalidationIds)}, {state})");
        return ExitCodes.Done;
    }
}

/// <summary>How an invalidation plan is shown: by <c>invalidate --dry-run</c> and <c>deploy --dry-run</c>.</summary>
internal static class InvalidationReport
{
    public static void WritePlan(UserOutput output, InvalidationPlan plan, Flip flip, CdnNotifier notifier, bool dryRun)
    {
        var limits = notifier.Options.Limits;
        output.Json(new
        {
            release = flip.After.Id.Value, before = flip.Before?.Id.Value, cdn = notifier.CdnName, dryRun,
            paths = plan.Paths, wildcards = plan.WildcardCount, batches = plan.Batches.Count, reason = plan.Reason,
            changedFiles = plan.ChangedFiles.Count, worstCaseCostUsd = plan.WorstCaseCostUsd(limits),
        });
        if (plan.IsEmpty)
        {
            output.Line($"nothing to invalidate: {flip.After.Id} serves the same files as {flip.Before?.Id.ToString() ?? "no release"}");
            return;
        }
        WritePaths(output, plan, limits);
        output.Line(notifier.CdnName == "none"
            ? "no CDN configured (Cdn:Provider is none): nothing sent"
            : $"dry run: nothing sent to {notifier.CdnName}");
    }

    public static void WritePaths(UserOutput output, InvalidationPlan plan, CdnLimits limits)
    {
        foreach (var path in plan.Paths) output.Line($"  invalidate {path}");
        var cost = plan.WorstCaseCostUsd(limits).ToString("0.000", CultureInfo.InvariantCulture);
        output.Line($"{Format.Plural(plan.Paths.Count, "path")} ({Format.Plural(plan.WildcardCount, "wildcard")}) in {plan.Batches.Count} {(plan.Batches.Count == 1 ? "batch" : "batches")} for {Format.Plural(plan.ChangedFiles.Count, "changed file")} ({plan.Reason}); "
                    + $"at most USD {cost} (the first {limits.FreePathsPerMonth:N0} paths a month are free)");
    }
}
