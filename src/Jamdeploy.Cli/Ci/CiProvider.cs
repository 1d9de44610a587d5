namespace Jamdeploy.Cli.Ci;

/// <summary>
/// One CI service and the environment variables it documents: how to recognise it and where it puts the
/// commit, the commit message (when it gives one), the branch and a link to the build.
/// </summary>
internal sealed record CiProvider(
    string Name,
    string MarkerVariable,
    string CommitVariable,
    string? MessageVariable = null,
    string? BranchVariable = null,
    string? BuildUrlVariable = null)
{
    /// <summary>
    /// The services we recognise, most specific first: some set variables that others reuse (Woodpecker
    /// Jenkins' GIT_COMMIT is also set by plugins elsewhere, CI=true by nearly all of them), so order matters.
    /// </summary>
    public static IReadOnlyList<CiProvider> Known { get; } =
    [
        new("GitHub Actions", "GITHUB_ACTIONS", "GITHUB_SHA", null, "GITHUB_REF_NAME"),
        new("GitLab CI", "GITLAB_CI", "CI_COMMIT_SHA", "CI_COMMIT_MESSAGE", "CI_COMMIT_REF_NAME", "CI_JOB_URL"),
        new("Azure Pipelines", "TF_BUILD", "BUILD_SOURCEVERSION", "BUILD_SOURCEVERSIONMESSAGE", "BUILD_SOURCEBRANCHNAME"),
        new("Bitbucket Pipelines", "BITBUCKET_BUILD_NUMBER", "BITBUCKET_COMMIT", null, "BITBUCKET_BRANCH"),
        new("CircleCI", "CIRCLECI", "CIRCLE_SHA1", null, "CIRCLE_BRANCH", "CIRCLE_BUILD_URL"),
        new("Travis CI", "TRAVIS", "TRAVIS_COMMIT", "TRAVIS_COMMIT_MESSAGE", "TRAVIS_BRANCH", "TRAVIS_BUILD_WEB_URL"),
        new("Buildkite", "BUILDKITE", "BUILDKITE_COMMIT", "BUILDKITE_MESSAGE", "BUILDKITE_BRANCH", "BUILDKITE_BUILD_URL"),
        new("Drone", "DRONE", "DRONE_COMMIT_SHA", "DRONE_COMMIT_MESSAGE", "DRONE_BRANCH", "DRONE_BUILD_LINK"),
        new("AppVeyor", "APPVEYOR", "APPVEYOR_REPO_COMMIT", "APPVEYOR_REPO_COMMIT_MESSAGE", "APPVEYOR_REPO_BRANCH"),
        new("AWS CodeBuild", "CODEBUILD_BUILD_ID", "CODEBUILD_RESOLVED_SOURCE_VERSION", null, null, "CODEBUILD_BUILD_URL"),
        new("TeamCity", "TEAMCITY_VERSION", "BUILD_VCS_NUMBER"),
        new("Jenkins", "JENKINS_URL", "GIT_COMMIT", null, "GIT_BRANCH", "BUILD_URL"),
        new("Vercel", "VERCEL", "VERCEL_GIT_COMMIT_SHA", "VERCEL_GIT_COMMIT_MESSAGE", "VERCEL_GIT_COMMIT_REF"),
        new("Netlify", "NETLIFY", "COMMIT_REF", null, "BRANCH"),
        new("Cloudflare Pages", "CF_PAGES", "CF_PAGES_COMMIT_SHA", null, "CF_PAGES_BRANCH"),
        new("Semaphore", "SEMAPHORE", "SEMAPHORE_GIT_SHA", null, "SEMAPHORE_GIT_BRANCH"),
    ];

    /// <summary>Any other CI that follows the common convention of setting CI=true.</summary>
    public static CiProvider Generic { get; } = new("CI", "CI", "GIT_COMMIT");
}
