using System.CommandLine;
using Jamdeploy.Cleanup;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy cleanup</c>: deletes the releases retention lets go, then the blobs no kept release
/// references that are older than the grace period. Meant to run on a schedule; safe to run at any
/// time, next to deploys, and again after a crash.
/// </summary>
public sealed class CleanupCommand : CommandBase
{
    public const string Section = "Cleanup";

    private static readonly Option<int?> KeepLastOption = new("--keep-last") { HelpName = "N", Description = $"Keep the newest N releases (default {RetentionRules.Default.KeepLast}, Cleanup:KeepLast)" };
    private static readonly Option<string?> KeepForOption = new("--keep-for") { HelpName = "duration", Description = $"Keep releases younger than this, e.g. 7d, 36h (default {RetentionRules.FormatDuration(RetentionRules.Default.KeepFor)}, Cleanup:KeepFor)" };
    private static readonly Option<string?> GracePeriodOption = new("--grace-period") { HelpName = "duration", Description = $"Never delete a blob younger than this, nor a release live within it; longer than your slowest deploy (default {RetentionRules.FormatDuration(RetentionRules.Default.GracePeriod)}, Cleanup:GracePeriod)" };
    private static readonly Option<int?> MaxDeleteOption = new("--max-delete") { HelpName = "N", Description = "Delete at most N objects, then stop and say so with exit 1 (Cleanup:MaxDelete)" };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print what would be deleted and the bytes freed; delete nothing" };

    public CleanupCommand() : base("cleanup", "Delete old releases and the blobs no kept release needs (the live, pinned, newest and recent releases are kept)")
    {
        Options.Add(KeepLastOption);
        Options.Add(KeepForOption);
        Options.Add(GracePeriodOption);
        Options.Add(MaxDeleteOption);
        Options.Add(DryRunOption);
    }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var rules = Rules(context);
        var maxDelete = rules.MaxDelete;
        var engine = new CleanupEngine(context.Store, context.Time, context.Log);

        if (parse.GetValue(DryRunOption))
        {
            var plan = await engine.PlanAsync(rules, cancellationToken);
            WriteJson(context, plan, null, maxDelete);
            WritePlan(context.Output, plan, maxDelete);
            return ExitCodes.Done;
        }

        var progress = context.Output.IsJson ? null : new BatchLines(context.Output);
        var result = await engine.RunAsync(rules, maxDelete, progress, cancellationToken);
        WriteJson(context, result.Plan, result, maxDelete);
        WriteResult(context.Output, result);
        if (result.StoppedAtLimit)
            throw new JamdeployException(ExitCodes.Failed,
                $"stopped at --max-delete {maxDelete}: deleted {Format.Plural(result.ObjectsDeleted, "object")}, {result.ReleasesRemaining + result.BlobsRemaining} left; run cleanup again to continue (every kept release is whole)");
        return ExitCodes.Done;
    }

    /// <summary>Defaults, then the <c>Cleanup</c> section, then flags.</summary>
    private static RetentionRules Rules(CommandContext context)
    {
        var parse = context.ParseResult;
        var configured = ConfigurationLoader.Bind<RetentionRules>(context.Configuration, Section);
        return (configured with
        {
            KeepLast = parse.GetValue(KeepLastOption) ?? configured.KeepLast,
            KeepFor = parse.GetValue(KeepForOption) is { } keepFor ? RetentionRules.ParseDuration(keepFor, "--keep-for") : configured.KeepFor,
            GracePeriod = parse.GetValue(GracePeriodOption) is { } grace ? RetentionRules.ParseDuration(grace, "--grace-period") : configured.GracePeriod,
            MaxDelete = parse.GetValue(MaxDeleteOption) ?? configured.MaxDelete,
        }).Validated();
    }

    private static void WriteJson(CommandContext context, CleanupPlan plan, CleanupResult? result, int? maxDelete) =>
        context.Output.Json(new
        {
            dryRun = result is null,
            store = context.StoreLocation,
            rules = new
            {
                keepLast = plan.Rules.KeepLast,
                keepFor = RetentionRules.FormatDuration(plan.Rules.KeepFor),
                gracePeriod = RetentionRules.FormatDuration(plan.Rules.GracePeriod),
            },
            live = plan.Live?.Value,
            kept = plan.Kept.Select(r => new { id = r.Id.Value, created = r.Created, reasons = Reasons(r.Reasons) }),
            releasesToDelete = plan.ReleasesToDelete.Select(r => new { id = r.Id.Value, created = r.Created, bytes = r.ManifestBytes }),
            blobsToDelete = new { count = plan.BlobsToDelete.Count, bytes = plan.BlobsToDelete.Sum(b => b.Size), hashes = plan.BlobsToDelete.Select(b => b.Hash.Hex) },
            blobsSparedByGracePeriod = plan.BlobsSparedByGrace,
            bytesToFree = plan.Bytes,
            maxDelete,
            deleted = result is null ? null : new { releases = result.ReleasesDeleted, blobs = result.BlobsDeleted, bytes = result.BytesFreed },
            stoppedAtLimit = result?.StoppedAtLimit ?? false,
            remaining = result is null ? null : new { releases = result.ReleasesRemaining, blobs = result.BlobsRemaining },
        });

    private static void WritePlan(UserOutput output, CleanupPlan plan, int? maxDelete)
    {
        foreach (var release in plan.Releases)
        {
            var what = release.Keep ? $"keep    {release.Id}  ({Describe(release.Reasons)})" : $"delete  {release.Id}  (made {Format.Time(release.Created)})";
            output.Line($"  {what}");
        }
        output.Line($"  delete  {Format.Plural(plan.BlobsToDelete.Count, "blob")} no kept release references ({Format.Bytes(plan.BlobsToDelete.Sum(b => b.Size))})");
        if (plan.BlobsSparedByGrace > 0)
            output.Line($"  keep    {Format.Plural(plan.BlobsSparedByGrace, "unreferenced blob")} younger than the grace period ({RetentionRules.FormatDuration(plan.Rules.GracePeriod)}): a deploy may still need them");
        var limit = maxDelete is { } m && m < plan.ObjectCount ? $"; --max-delete {m} would stop after {m} of {plan.ObjectCount} deletions" : "";
        output.Line($"dry run: would delete {Format.Plural(plan.ReleasesToDelete.Count, "release")} and {Format.Plural(plan.BlobsToDelete.Count, "blob")}, freeing {Format.Bytes(plan.Bytes)}; keeping {Format.Plural(plan.Kept.Count(), "release")}{limit}; nothing deleted");
    }

    private static void WriteResult(UserOutput output, CleanupResult result)
    {
        var plan = result.Plan;
        var live = plan.Live is { } l ? $", {l} live" : "";
        output.Line(result.ObjectsDeleted == 0 && !result.StoppedAtLimit
            ? $"nothing to delete: {Format.Plural(plan.Kept.Count(), "release")} kept{live}"
            : $"deleted {Format.Plural(result.ReleasesDeleted, "release")} and {Format.Plural(result.BlobsDeleted, "blob")}, freed {Format.Bytes(result.BytesFreed)}; kept {Format.Plural(plan.Kept.Count(), "release")}{live}");
    }

    private static string Describe(KeepReasons reasons) => string.Join(", ", Reasons(reasons).Select(r => r switch
    {
        "rollbackTarget" => "rollback target",
        "liveWithinGrace" => "live within the grace period",
        "madeWithinGrace" => "made within the grace period",
        _ => r,
    }));

    private static IEnumerable<string> Reasons(KeepReasons reasons) =>
        Enum.GetValues<KeepReasons>().Where(r => r != KeepReasons.None && reasons.HasFlag(r)).Select(r => JsonName(r.ToString()));

    private static string JsonName(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>One line per delete batch, so a scheduled job's log shows how far it got.</summary>
    private sealed class BatchLines(UserOutput output) : IProgress<CleanupProgress>
    {
        public void Report(CleanupProgress value) =>
            output.Line(value.Stage == CleanupStage.Releases
                ? $"deleting release manifests: {value.Deleted} of {value.Total}"
                : $"deleting blobs: {value.Deleted} of {value.Total}");
    }
}
