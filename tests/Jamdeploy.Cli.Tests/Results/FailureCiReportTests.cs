using Jamdeploy.Cli.Ci;
using Jamdeploy.Cli.Results;
using Jamdeploy.Deploying;
using Jamdeploy.Model;

namespace Jamdeploy.Cli.Tests.Results;

/// <summary>A failed deploy's CI report says what the exit code and the unfinished step mean, and what is live.</summary>
public sealed class FailureCiReportTests
{
    private static readonly ReleaseId Release = ReleaseId.Parse("20261124-060000-abc123");
    private static readonly ReleaseId Winner = ReleaseId.Parse("20261124-060500-def567");

    [Theory]
    [InlineData("edge pointer", CiDeployOutcomes.EdgePointerFailed, true)]
    [InlineData("invalidation", CiDeployOutcomes.InvalidationFailed, true)]
    [InlineData("cancelled after the flip", CiDeployOutcomes.Cancelled, true)]
    [InlineData("lost race", CiDeployOutcomes.Refused, false)]
    [InlineData("store", CiDeployOutcomes.Failed, false)]
    public void ToCiReport_EachFailure_OutcomeAndLiveRelease(string failed, string outcome, bool releaseLive)
    {
        JamdeployException failure = failed switch
        {
            "edge pointer" => new EdgePointerFailedException(Release, "kvs", "throttled"),
            "invalidation" => new InvalidationFailedException(Release, "throttled"),
            "cancelled after the flip" => new CancelledAfterFlipException(Release, InvalidationFailedException.Step, "the CDN was not invalidated", new OperationCanceledException()),
            // The winner of the race is live, but not from this deploy: nothing is reported live.
            "lost race" => new LiveChangedException(Release, Winner),
            _ => new StoreException("the store is unreachable"),
        };
        var live = releaseLive ? Release.Value : null;

        var report = FailureResult.From(failure).ToCiReport(new DeployRequest("public") { Commit = "abc1234" }, "s3://b/site", "https://example.org");

        Assert.Equal(outcome, report.Outcome);
        Assert.Equal(failure.ExitCode, report.ExitCode);
        Assert.Equal(live, report.ReleaseId);
        Assert.Equal(live is not null, report.Live);
        Assert.Equal(live is null ? null : "https://example.org", report.Url);
        Assert.Equal("abc1234", report.Commit);
        Assert.Equal(failure.Message, report.Problem);
    }
}
