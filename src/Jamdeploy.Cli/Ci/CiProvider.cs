namespace Jamdeploy.Cli.Ci;

/// <summary>
/// One CI service and the environment variables it documents: how to recognise it and where it puts the
/// commit and the commit message (when it gives one).
/// </summary>
internal sealed record CiProvider(
    string Name,
    string MarkerVariable,
    string CommitVariable,
    string? MessageVariable = null)
{
    /// <summary>
    /// The services we recognise, most specific first: some variables are set by more than one (Jenkins'
    /// GIT_COMMIT by plugins elsewhere, CI=true by nearly all of them), so order matters.
    /// </summary>
    public static IReadOnlyList<CiProvider> Known { get; } =
    [
        new("GitHub Actions", "GITHUB_ACTIONS", "GITHUB_SHA"),
        new("GitLab CI", "GITLAB_CI", "CI_COMMIT_SHA", "CI_COMMIT_MESSAGE"),
        new("Azure Pipelines", "TF_BUILD", "BUILD_SOURCEVERSION", "BUILD_SOURCEVERSIONMESSAGE"),
        new("Bitbucket Pipelines", "BITBUCKET_BUILD_NUMBER", "BITBUCKET_COMMIT"),
        new("CircleCI", "CIRCLECI", "CIRCLE_SHA1"),
        new("Travis CI", "TRAVIS", "TRAVIS_COMMIT", "TRAVIS_COMMIT_MESSAGE"),
        new("Buildkite", "BUILDKITE", "BUILDKITE_COMMIT", "BUILDKITE_MESSAGE"),
        new("Drone", "DRONE", "DRONE_COMMIT_SHA", "DRONE_COMMIT_MESSAGE"),
        new("AppVeyor", "APPVEYOR", "APPVEYOR_REPO_COMMIT", "APPVEYOR_REPO_COMMIT_MESSAGE"),
        new("AWS CodeBuild", "CODEBUILD_BUILD_ID", "CODEBUILD_RESOLVED_SOURCE_VERSION"),
        new("TeamCity", "TEAMCITY_VERSION", "BUILD_VCS_NUMBER"),
        new("Jenkins", "JENKINS_URL", "GIT_COMMIT"),
        new("Vercel", "VERCEL", "VERCEL_GIT_COMMIT_SHA", "VERCEL_GIT_COMMIT_MESSAGE"),
        new("Netlify", "NETLIFY", "COMMIT_REF"),
        new("Cloudflare Pages", "CF_PAGES", "CF_PAGES_COMMIT_SHA"),
        new("Semaphore", "SEMAPHORE", "SEMAPHORE_GIT_SHA"),
    ];

    /// <summary>Any other CI that follows the common convention of setting CI=true.</summary>
    public static CiProvider Generic { get; } = new("CI", "CI", "GIT_COMMIT");
}
