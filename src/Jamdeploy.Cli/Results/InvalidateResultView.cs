using System.Globalization;
using Jamdeploy.Cdn;
using Jamdeploy.Cli.Output;
using Jamdeploy.Invalidation;

namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy invalidate</c> when it sent the invalidation.</summary>
public sealed record InvalidateResultView(
    string Store, string Release, string? Before, string Cdn, IReadOnlyList<string> Paths, string Reason,
    IReadOnlyList<string> InvalidationIds, bool Completed) : ICommandResult
{
    public static InvalidateResultView From(string store, Flip flip, string cdn, InvalidationPlan plan, InvalidationOutcome outcome) =>
        new(store, flip.After.Id.Value, flip.Before?.Id.Value, cdn, plan.Paths, plan.Reason, outcome.InvalidationIds, outcome.Completed) { PathCount = outcome.PathCount };

    /// <summary>The paths the CDN accepted (the plan's, unless a wildcard stood in for them).</summary>
    private int PathCount { get; init; }

    public IEnumerable<string> Lines()
    {
        var state = Completed ? "completed" : "in progress";
        yield return $"invalidated {Format.Plural(PathCount, "path")} on {Cdn} for {Release} ({string.Join(", ", InvalidationIds)}, {state})";
        yield return $"store: {Store}";
    }
}

/// <summary>
/// <c>jamdeploy invalidate</c> when it sent nothing: with --dry-run, with no CDN configured, or with nothing
/// changed. The paths, batches and worst-case price of what it would send.
/// </summary>
public sealed record InvalidationPlanResultView(
    string Store, string Release, string? Before, string Cdn, bool DryRun, IReadOnlyList<string> Paths, int Wildcards, int Batches,
    string Reason, int ChangedFiles, decimal WorstCaseCostUsd) : ICommandResult
{
    private InvalidationPlan Plan { get; init; } = InvalidationPlan.Nothing;
    private CdnLimits Limits { get; init; } = new();

    public static InvalidationPlanResultView From(string store, Flip flip, string cdn, InvalidationPlan plan, CdnLimits limits, bool dryRun) =>
        new(store, flip.After.Id.Value, flip.Before?.Id.Value, cdn, dryRun, plan.Paths, plan.WildcardCount, plan.Batches.Count,
            plan.Reason, plan.ChangedFiles.Count, plan.WorstCaseCostUsd(limits)) { Plan = plan, Limits = limits };

    public IEnumerable<string> Lines()
    {
        if (Plan.IsEmpty)
            return [$"nothing to invalidate: {Release} serves the same files as {Before ?? "no release"}", $"store: {Store}"];
        return [
            .. InvalidationLines.Paths(Plan, Limits),
            Cdn == "none" ? "no CDN configured (Cdn:Provider is none): nothing sent" : $"dry run: nothing sent to {Cdn}",
            $"store: {Store}",
        ];
    }
}

/// <summary>How an invalidation plan reads: by <c>invalidate --dry-run</c> and <c>deploy --dry-run</c>.</summary>
internal static class InvalidationLines
{
    public static IEnumerable<string> Paths(InvalidationPlan plan, CdnLimits limits)
    {
        foreach (var path in plan.Paths) yield return $"  invalidate {path}";
        var cost = plan.WorstCaseCostUsd(limits).ToString("0.000", CultureInfo.InvariantCulture);
        yield return $"{Format.Plural(plan.Paths.Count, "path")} ({Format.Plural(plan.WildcardCount, "wildcard")}) in {plan.Batches.Count} {(plan.Batches.Count == 1 ? "batch" : "batches")} for {Format.Plural(plan.ChangedFiles.Count, "changed file")} ({plan.Reason}); "
                     + $"at most USD {cost} (the first {limits.FreePathsPerMonth.ToString("N0", CultureInfo.InvariantCulture)} paths a month are free)";
    }
}
