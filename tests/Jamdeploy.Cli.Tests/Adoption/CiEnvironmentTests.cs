using Jamdeploy.Cli.Ci;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Adoption;

public sealed class CiEnvironmentTests
{
    [Fact]
    public void Detect_NoCiVariables_IsNoneAndMayPrompt()
    {
        var ci = CiEnvironment.Detect(Env(("HOME", "/home/me"), ("PATH", "/usr/bin")));

        Assert.Equal(CiEnvironment.None, ci);
        Assert.False(ci.IsCi);
        Assert.True(ci.CanPrompt(stdinIsTerminal: true));
    }

    [Theory]
    [InlineData("GitLab CI", "GITLAB_CI", "true", "CI_COMMIT_SHA", "CI_COMMIT_MESSAGE")]
    [InlineData("Azure Pipelines", "TF_BUILD", "True", "BUILD_SOURCEVERSION", "BUILD_SOURCEVERSIONMESSAGE")]
    [InlineData("Travis CI", "TRAVIS", "true", "TRAVIS_COMMIT", "TRAVIS_COMMIT_MESSAGE")]
    [InlineData("Buildkite", "BUILDKITE", "true", "BUILDKITE_COMMIT", "BUILDKITE_MESSAGE")]
    [InlineData("Drone", "DRONE", "true", "DRONE_COMMIT_SHA", "DRONE_COMMIT_MESSAGE")]
    [InlineData("AppVeyor", "APPVEYOR", "True", "APPVEYOR_REPO_COMMIT", "APPVEYOR_REPO_COMMIT_MESSAGE")]
    [InlineData("Vercel", "VERCEL", "1", "VERCEL_GIT_COMMIT_SHA", "VERCEL_GIT_COMMIT_MESSAGE")]
    public void Detect_CiWithCommitMessage_TakesCommitAndSubjectLine(
        string provider, string marker, string markerValue, string commitVariable, string messageVariable)
    {
        var ci = CiEnvironment.Detect(Env(
            (marker, markerValue), ("CI", "true"),
            (commitVariable, "0123456789abcdef0123456789abcdef01234567"),
            (messageVariable, "Fix the footer\n\nLonger explanation that is not a release message.\n")));

        Assert.Equal(provider, ci.Provider);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", ci.Commit);
        Assert.Equal("Fix the footer", ci.Message);
        Assert.False(ci.CanPrompt(stdinIsTerminal: true));
    }

    [Theory]
    [InlineData("Bitbucket Pipelines", "BITBUCKET_BUILD_NUMBER", "BITBUCKET_COMMIT")]
    [InlineData("CircleCI", "CIRCLECI", "CIRCLE_SHA1")]
    [InlineData("AWS CodeBuild", "CODEBUILD_BUILD_ID", "CODEBUILD_RESOLVED_SOURCE_VERSION")]
    [InlineData("Jenkins", "JENKINS_URL", "GIT_COMMIT")]
    [InlineData("Netlify", "NETLIFY", "COMMIT_REF")]
    [InlineData("Cloudflare Pages", "CF_PAGES", "CF_PAGES_COMMIT_SHA")]
    [InlineData("TeamCity", "TEAMCITY_VERSION", "BUILD_VCS_NUMBER")]
    [InlineData("Semaphore", "SEMAPHORE", "SEMAPHORE_GIT_SHA")]
    public void Detect_CiWithoutCommitMessage_TakesCommitButNoMessage(string provider, string marker, string commitVariable)
    {
        var ci = CiEnvironment.Detect(Env((marker, "42"), (commitVariable, "abc123")));

        Assert.Equal(provider, ci.Provider);
        Assert.Equal("abc123", ci.Commit);
        Assert.Null(ci.Message);
    }

    [Fact]
    public void Detect_OnlyCiTrue_IsGenericCiThatNeverPrompts()
    {
        var ci = CiEnvironment.Detect(Env(("CI", "true"), ("GIT_COMMIT", "feed")));

        Assert.Equal("CI", ci.Provider);
        Assert.Equal("feed", ci.Commit);
        Assert.False(ci.CanPrompt(stdinIsTerminal: true));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("0")]
    [InlineData("")]
    public void Detect_CiSwitchedOff_IsNone(string value)
    {
        Assert.False(CiEnvironment.Detect(Env(("CI", value))).IsCi);
    }

    [Fact]
    public void CanPrompt_StdinNotATerminal_IsFalseEvenOutsideCi()
    {
        Assert.False(CiEnvironment.None.CanPrompt(stdinIsTerminal: false));
    }

    [Fact]
    public void Detect_GitHubPush_TakesShaAndHeadCommitMessage()
    {
        using var temp = new TempDirectory("ci");
        var eventPath = temp.Write("event.json", """
            { "ref": "refs/heads/main", "head_commit": { "id": "1111", "message": "Add the pricing page\n\nCloses #12" } }
            """);

        var ci = CiEnvironment.Detect(GitHub(("GITHUB_SHA", "1111"), ("GITHUB_EVENT_PATH", eventPath)));

        Assert.Equal("GitHub Actions", ci.Provider);
        Assert.Equal("1111", ci.Commit);
        Assert.Equal("Add the pricing page", ci.Message);
    }

    [Fact]
    public void Detect_GitHubPullRequest_TakesHeadShaNotTheMergeCommit()
    {
        using var temp = new TempDirectory("ci");
        var eventPath = temp.Write("event.json", """
            { "pull_request": { "title": "Redesign the header", "head": { "sha": "2222" } } }
            """);

        var ci = CiEnvironment.Detect(GitHub(("GITHUB_SHA", "merge-commit"), ("GITHUB_EVENT_PATH", eventPath)));

        Assert.Equal("2222", ci.Commit);
        Assert.Equal("Redesign the header", ci.Message);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{ \"head_commit\": { \"message\": 42 } }")]
    [InlineData(null)]
    public void Detect_GitHubEventFileMissingOrOdd_KeepsShaAndHasNoMessage(string? eventContent)
    {
        using var temp = new TempDirectory("ci");
        var eventPath = eventContent is null ? temp.Combine("missing.json") : temp.Write("event.json", eventContent);

        var ci = CiEnvironment.Detect(GitHub(("GITHUB_SHA", "3333"), ("GITHUB_EVENT_PATH", eventPath)));

        Assert.Equal("3333", ci.Commit);
        Assert.Null(ci.Message);
    }

    private static Dictionary<string, string?> GitHub(params (string Name, string? Value)[] more) =>
        Env([("CI", "true"), ("GITHUB_ACTIONS", "true"), .. more]);

    private static Dictionary<string, string?> Env(params (string Name, string? Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
}
