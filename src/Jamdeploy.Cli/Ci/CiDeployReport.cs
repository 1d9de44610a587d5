namespace Jamdeploy.Cli.Ci;

/// <summary>
/// What a finished, refused or failed deploy tells the CI: the release, where it is served, and what the
/// plan did. Built by <see cref="DeployCiHandoff"/> from the deploy's result; rendered by <see cref="GitHubActionsOutputs"/>.
/// </summary>
/// <param name="Outcome">One of the <see cref="CiDeployOutcomes"/> words.</param>
/// <param name="ReleaseId">The release deployed (or, for an unchanged folder, the one already live); null when the deploy failed before it had one.</param>
/// <param name="Plan">Null when the deploy failed before it planned.</param>
public sealed record CiDeployReport(
    string Store,
    string Outcome,
    int ExitCode,
    bool Live,
    string? ReleaseId,
    string? PreviousReleaseId,
    string? Url,
    string? Commit,
    string? Message,
    CiPlanCounts? Plan,
    int InvalidatedPaths,
    string? Problem = null);

/// <summary>The plan in numbers: the files of the release and what had to be sent for it.</summary>
/// <param name="NewBlobs">Blobs the store did not have: uploaded, or for a dry run, to upload.</param>
public sealed record CiPlanCounts(int Files, long TotalBytes, int NewBlobs, long NewBytes, int ReusedFiles);

/// <summary>The <c>outcome</c> output's values.</summary>
public static class CiDeployOutcomes
{
    public const string Live = "live";
    public const string Staged = "staged";
    public const string Unchanged = "unchanged";
    public const string DryRun = "dry-run";
    public const string InvalidationFailed = "invalidation-failed";
    public const string EdgePointerFailed = "edge-pointer-failed";
    public const string Refused = "refused";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
}
