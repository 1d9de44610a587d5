using Jamdeploy.Cli.Hosting;
using Jamdeploy.Deploying;
using Serilog;

namespace Jamdeploy.Cli.Ci;

/// <summary>
/// The deploy command's link to the CI it runs in: <c>--commit</c> and <c>--message</c> default from the
/// CI's variables, and the result goes to GitHub's step outputs and summary when those files are set. A
/// finished deploy's report comes from its result (<see cref="Results.DeployResultView.ToCiReport"/>), a failed one's from its
/// <see cref="Results.FailureResult.ToCiReport"/>.
/// </summary>
public static class DeployCiHandoff
{
    /// <summary>The public address of the site, reported as the <c>url</c> output (configuration <c>Site:Url</c>).</summary>
    public static readonly string SiteUrlKey = $"{nameof(JamdeploySettings.Site)}:{nameof(SiteSettings.Url)}";

    /// <summary>Flags win; what the CI knows fills the gaps.</summary>
    public static DeployRequest WithCiDefaults(DeployRequest request, CiEnvironment ci) => request with
    {
        Commit = request.Commit ?? ci.Commit,
        Message = request.Message ?? ci.Message,
    };

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
