using Jamdeploy.Deploying;
using Serilog;

namespace Jamdeploy.Cli.Ci;

/// <summary>
/// The deploy command's link to the CI it runs in: <c>--commit</c> and <c>--message</c> default from the
/// CI's variables, and the result goes to GitHub's step outputs and summary when those files are set.
/// </summary>
public static class DeployCiHandoff
{
    /// <summary>The public address of the site, reported as the <c>url</c> output (configuration <c>Site:Url</c>).</summary>
    public const string SiteUrlKey = "Site:Url";

    /// <summary>Flags win; what the CI knows fills the gaps.</summary>
    public static DeployRequest WithCiDefaults(DeployRequest request, CiEnvironment ci) => request with
    {
        Commit = request.Commit ?? ci.Commit,
        Message = request.Message ?? ci.Message,
    };

    public static CiDeployReport FromResult(DeployResult result, DeployRequest request, string store, string? url)
    {
        var plan = result.Plan;
        var counts = new CiPlanCounts(
            result.Files,
            result.TotalBytes,
            plan?.Uploads.Count ?? 0,
            plan?.BytesToSend ?? 0,
            plan?.ReusedFiles ?? result.Files);
        var (outcome, live) = result.Outcome switch
        {
            DeployOutcome.Live => (CiDeployOutcomes.Live, true),
            DeployOutcome.Unchanged => (CiDeployOutcomes.Unchanged, true),
            DeployOutcome.Staged => (CiDeployOutcomes.Staged, false),
            _ => (CiDeployOutcomes.DryRun, false),
        };
        return new CiDeployReport(store, outcome, ExitCodes.Done, live, result.Release.Value, result.PreviousLive?.Value,
            url, request.Commit, request.Message, counts, result.InvalidatedPaths);
    }

    public static CiDeployReport FromFailure(JamdeployException failure, DeployRequest request, string store, string? url)
    {
        var (outcome, live, release) = failure switch
        {
            InvalidationFailedException invalidation => (CiDeployOutcomes.InvalidationFailed, true, invalidation.Live.Value),
            EdgePointerFailedException edge => (CiDeployOutcomes.EdgePointerFailed, true, edge.Live.Value),
            LiveChangedException => (CiDeployOutcomes.Refused, false, null),
            // The deployer wraps a cancellation only once the flip has happened; before it, cancellation is not a JamdeployException.
            { ExitCode: ExitCodes.Cancelled } => (CiDeployOutcomes.Cancelled, failure.InnerException is OperationCanceledException, null),
            _ => (CiDeployOutcomes.Failed, false, (string?)null),
        };
        return new CiDeployReport(store, outcome, failure.ExitCode, live, release, null,
            live ? url : null, request.Commit, request.Message, null, 0, failure.Message);
    }

    /// <summary>
    /// Writes the report where the CI reads it. A file that cannot be written costs a warning, never the
    /// deploy's exit code: the release is already what the exit code says.
    /// </summary>
    public static async Task WriteAsync(
        CiDeployReport report, IReadOnlyDictionary<string, string?> environment, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            var written = await GitHubActionsOutputs.WriteAsync(report, environment, cancellationToken).ConfigureAwait(false);
            if (written.OutputFile is not null || written.StepSummaryFile is not null)
                log.Debug("Wrote GitHub Actions outputs to {OutputFile} and summary to {SummaryFile}", written.OutputFile, written.StepSummaryFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning(e, "Could not write the GitHub Actions outputs or step summary");
        }
    }
}
