using System.CommandLine;
using Jamdeploy.Cli.Ci;
using Jamdeploy.Cli.Output;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Planning;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy deploy &lt;dir&gt;</c>: the folder becomes the live release, all at one instant.</summary>
public sealed class DeployCommand : CommandBase
{
    private static readonly Argument<string> FolderArgument = new("dir") { Description = "The folder your site builder wrote (for example ./public)" };
    private static readonly Option<string?> MessageOption = new("--message", "-m") { HelpName = "text", Description = "A note kept with the release" };
    private static readonly Option<string?> CommitOption = new("--commit") { HelpName = "sha", Description = "The source commit the release was built from" };
    private static readonly Option<bool> NoPromoteOption = new("--no-promote") { Description = "Store the release without making it live" };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print the plan and write nothing" };
    private static readonly Option<bool> ForceOption = new("--force") { Description = "Flip even if the live release changed while this deploy ran" };
    private static readonly Option<bool> WaitOption = new("--wait") { Description = "Wait until the CDN reports the invalidation complete" };

    public DeployCommand() : base("deploy", "Upload what is new in a folder and make it the live release in one step")
    {
        Arguments.Add(FolderArgument);
        Options.Add(MessageOption);
        Options.Add(CommitOption);
        Options.Add(NoPromoteOption);
        Options.Add(DryRunOption);
        Options.Add(ForceOption);
        Options.Add(WaitOption);
    }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var request = new DeployRequest(parse.GetValue(FolderArgument)!)
        {
            WorkingDirectory = context.WorkingDirectory,
            Message = parse.GetValue(MessageOption),
            Commit = parse.GetValue(CommitOption),
            Promote = !parse.GetValue(NoPromoteOption),
            DryRun = parse.GetValue(DryRunOption),
            Force = parse.GetValue(ForceOption),
        };
        // CI: --commit/--message default from the CI's variables; the result goes to GitHub's outputs (src/Jamdeploy.Cli/Ci).
        var environment = context.Host.Environment;
        request = DeployCiHandoff.WithCiDefaults(request, CiEnvironment.Detect(environment));
        var siteUrl = context.Configuration[DeployCiHandoff.SiteUrlKey];

        var options = context.DeployOptions;
        var notifier = context.CreateCdnNotifier(parse.GetValue(WaitOption) || options.WaitForInvalidation);
        var deployer = new Deployer(context.Store, notifier, options, context.Time, context.Log);
        DeployResult result;
        try
        {
            result = await DeployProgressDisplay.RunAsync(context.Output, progress => deployer.DeployAsync(request, progress, cancellationToken));
        }
        catch (JamdeployException failure)
        {
            await DeployCiHandoff.WriteAsync(DeployCiHandoff.FromFailure(failure, request, context.StoreLocation, siteUrl), environment, context.Log, CancellationToken.None);
            throw;
        }

        Report(context.Output, result, context.StoreLocation, notifier.CdnName, notifier.Options.Limits);
        await DeployCiHandoff.WriteAsync(DeployCiHandoff.FromResult(result, request, context.StoreLocation, siteUrl), environment, context.Log, CancellationToken.None);
        return ExitCodes.Done;
    }

    private static void Report(UserOutput output, DeployResult result, string store, string cdn, CdnLimits limits)
    {
        output.Json(new
        {
            outcome = result.Outcome,
            release = result.Release.Value,
            previousLive = result.PreviousLive?.Value,
            store,
            files = result.Files,
            totalBytes = result.TotalBytes,
            uploadedBlobs = result.UploadedBlobs,
            bytesSent = result.BytesSent,
            plannedBlobs = result.Plan?.Uploads.Count ?? 0,
            bytesToSend = result.Plan?.BytesToSend ?? 0,
            reusedFiles = result.Plan?.ReusedFiles ?? result.Files,
            invalidatedPaths = result.InvalidatedPaths,
            forced = result.Forced,
            invalidation = result.Invalidation is { } i && cdn != "none"
                ? new { paths = i.Paths, wildcards = i.WildcardCount, batches = i.Batches.Count, reason = i.Reason, worstCaseCostUsd = i.WorstCaseCostUsd(limits) }
                : null,
            plan = result.Outcome == DeployOutcome.DryRun
                ? result.Plan!.Files.Select(f => new { path = f.SitePath, hash = f.Hash.Hex, size = f.Size, action = f.Action, reason = f.Reason })
                : null,
        });
        if (output.IsJson) return;

        var plan = result.Plan;
        var summary = plan is null ? "" :
            $"{Format.Plural(result.Files, "file")}, {Format.Plural(plan.Uploads.Count, "new blob")} ({Format.Bytes(plan.BytesToSend)}), {plan.ReusedFiles} reused";
        switch (result.Outcome)
        {
            case DeployOutcome.Unchanged:
                output.Line($"unchanged: {result.Release} is live");
                break;
            case DeployOutcome.DryRun:
                foreach (var file in plan!.Files.Where(f => f.Action == BlobAction.Upload))
                    output.Line($"  upload {file.SitePath} ({Format.Bytes(file.Size)}, {file.Reason})");
                if (result.Invalidation is { IsEmpty: false } invalidation && cdn != "none")
                    InvalidationReport.WritePaths(output, invalidation, limits);
                output.Line($"dry run: {summary}; nothing written");
                break;
            case DeployOutcome.Staged:
                output.Line($"stored: {result.Release} ({summary}); not live: `jamdeploy promote {result.Release}` makes it live");
                break;
            case DeployOutcome.Live:
                var was = result.PreviousLive is { } p ? $"; was {p}" : "";
                var forced = result.Forced ? " (forced over a concurrent deploy)" : "";
                output.Line($"live: {result.Release} ({summary}{was}){forced}");
                if (result.InvalidatedPaths > 0) output.Line($"invalidated {Format.Plural(result.InvalidatedPaths, "path")}");
                break;
        }
    }
}
