using Microsoft.Extensions.Configuration;
using System.CommandLine;
using Jamdeploy.Cleanup;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy cleanup</c>: deletes the releases retention lets go, then the blobs no kept release
/// references that are older than the grace period. Meant to run on a schedule; safe to run at any
/// time, next to deploys, and again after a crash.
/// </summary>
public sealed class CleanupCommand : CommandBase
{
    public const string Section = nameof(JamdeploySettings.Cleanup);

    private static readonly Option<int?> KeepLastOption = new("--keep-last") { HelpName = "N", Description = $"Keep the newest N releases (default {RetentionRules.Default.KeepLast}, Cleanup:KeepLast)" };
    private static readonly Option<string?> KeepForOption = new("--keep-for") { HelpName = "duration", Description = $"Keep releases younger than this, e.g. 7d, 36h (default {Durations.Setting(RetentionRules.Default.KeepFor)}, Cleanup:KeepFor)" };
    private static readonly Option<string?> GracePeriodOption = new("--grace-period") { HelpName = "duration", Description = $"Spare unreferenced blobs younger than this and releases live within it, so unfinished deploys need not send them again; any value is safe (default {Durations.Setting(RetentionRules.Default.GracePeriod)}, Cleanup:GracePeriod)" };
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

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var rules = Rules(context);
        var maxDelete = rules.MaxDelete;
        var engine = new CleanupEngine(context.Store, context.Time, context.Log);

        if (parse.GetValue(DryRunOption))
            return CleanupResultView.From(await engine.PlanAsync(rules, cancellationToken), null, context.Store.Location, maxDelete);

        var progress = context.Output.IsJson ? null : new BatchLines(context.Output);
        var result = await engine.RunAsync(rules, progress, cancellationToken);
        return CleanupResultView.From(result.Plan, result, context.Store.Location, maxDelete);
    }

    /// <summary>Defaults, then the <c>Cleanup</c> section, then flags.</summary>
    private static RetentionRules Rules(CommandContext context)
    {
        var parse = context.ParseResult;
        var configured = ConfigurationLoader.Bind(context.Configuration, Section, s => s.Get<RetentionRules>());
        return (configured with
        {
            KeepLast = parse.GetValue(KeepLastOption) ?? configured.KeepLast,
            KeepFor = parse.GetValue(KeepForOption) is { } keepFor ? Durations.Parse(keepFor, "--keep-for") : configured.KeepFor,
            GracePeriod = parse.GetValue(GracePeriodOption) is { } grace ? Durations.Parse(grace, "--grace-period") : configured.GracePeriod,
            MaxDelete = parse.GetValue(MaxDeleteOption) ?? configured.MaxDelete,
        }).Validated();
    }

    /// <summary>One line per delete batch, so a scheduled job's log shows how far it got.</summary>
    private sealed class BatchLines(UserOutput output) : IProgress<CleanupProgress>
    {
        public void Report(CleanupProgress value) =>
            output.Line(value.Stage == CleanupStage.Releases
                ? $"deleting release manifests: {value.Deleted} of {value.Total}"
                : $"deleting blobs: {value.Deleted} of {value.Total}");
    }
}
