namespace Jamdeploy.Cli.Ci;

/// <summary>
/// What a finished (or refused) deploy tells the CI: the release, where it is served, and what the plan did.
/// Built by the deploy command from its result; rendered by <see cref="GitHubActionsOutputs"/>.
/// </summary>
public sealed record CiDeployReport(
    string Site,
    string ReleaseId,
    int ExitCode,
    bool Live,
    bool DryRun,
    string? Url,
    string? Commit,
    string? Message,
    CiPlanCounts Plan,
    int InvalidatedPaths,
    string? Problem = null);

/// <summary>The plan in numbers: files in the release, what changed against the live one, what was uploaded.</summary>
public sealed record CiPlanCounts(
    int Files,
    int Added,
    int Changed,
    int Removed,
    int UploadedBlobs,
    long UploadedBytes,
    int ReusedBlobs);
