using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Aws.Tests.Signing;
using Jamdeploy.Cdn;
using Jamdeploy.Model;
using Jamdeploy.TestSupport;
using Serilog;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>The CloudFront invalidator against moto's CloudFront over HTTP, with faults injected below the signer.</summary>
public sealed class CloudFrontInvalidatorTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private static readonly ReleaseId Release = ReleaseId.Parse("20261124-053000-abc123");
    private static readonly DateTimeOffset FlippedAt = new(2026, 11, 24, 5, 30, 1, TimeSpan.Zero);

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_Paths_MotoHoldsOneInvalidationWithExactlyThosePaths()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        using var handler = FaultInjectingHandler.Script();
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;
        string[] paths = ["/", "/index.html", "/caf%C3%A9/menu%20du%20jour.html", "/notes/todo*"];

        var outcome = await invalidator.InvalidateAsync(new InvalidationRequest(Release, paths, Wait: true) { FlippedAt = FlippedAt }, CancellationToken.None);

        var stored = Assert.Single(await cloudFront.InvalidationsAsync(distribution));
        Assert.Equal(paths, stored.Paths);
        Assert.Equal(CallerReference.For(Release, FlippedAt, paths), stored.CallerReference);
        Assert.Equal([stored.Id], outcome.InvalidationIds);
        Assert.Equal(4, outcome.PathCount);
        Assert.True(outcome.Completed);
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_ThrottlingThen5xxThenDroppedConnection_RetriesWithSameCallerReferenceAndCreatesOne()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        using var handler = FaultInjectingHandler.Script(Fault.Throttling, Fault.ServiceUnavailable, Fault.ResetBeforeSend, Fault.TooManyInvalidationsInProgress);
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;

        await invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a.html", "/a"], Wait: false) { FlippedAt = FlippedAt }, CancellationToken.None);

        Assert.Equal(5, handler.Requests);
        Assert.Equal(5, handler.CallerReferences.Count);
        Assert.Single(handler.CallerReferences.Distinct());
        var stored = Assert.Single(await cloudFront.InvalidationsAsync(distribution));
        Assert.Equal(["/a.html", "/a"], stored.Paths);
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_ResponseLostAfterCloudFrontActed_RetrySendsTheSameCallerReference()
    {
        // Real CloudFront answers a repeated caller reference with the invalidation it already made; moto
        // does not deduplicate, so what this test can check is that the retry carries the same reference.
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        using var handler = FaultInjectingHandler.Script(Fault.ResetAfterSend);
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;

        await invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: false) { FlippedAt = FlippedAt }, CancellationToken.None);

        var reference = CallerReference.For(Release, FlippedAt, ["/a"]);
        Assert.Equal([reference, reference], handler.CallerReferences);
        Assert.All(await cloudFront.InvalidationsAsync(distribution), i => Assert.Equal(reference, i.CallerReference));
    }

    [Fact]
    public void CallerReference_SameFlipAndPaths_Same_OtherwiseDifferent()
    {
        var reference = CallerReference.For(Release, FlippedAt, ["/a", "/b"]);

        Assert.Equal(reference, CallerReference.For(Release, FlippedAt, ["/a", "/b"]));
        Assert.NotEqual(reference, CallerReference.For(Release, FlippedAt, ["/a"]));
        Assert.NotEqual(reference, CallerReference.For(Release, FlippedAt.AddSeconds(1), ["/a", "/b"]));
        Assert.NotEqual(reference, CallerReference.For(ReleaseId.Parse("other"), FlippedAt, ["/a", "/b"]));
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_PermanentError_FailsAtOnceWithExit3AndNoInvalidation()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        using var handler = FaultInjectingHandler.Script(Fault.AccessDenied);
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;

        var failure = await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: false), CancellationToken.None));

        Assert.Equal(ExitCodes.InvalidationFailed, failure.ExitCode);
        Assert.Equal(1, handler.Requests);
        Assert.Contains("AccessDenied", failure.Message);
        Assert.Contains("jamdeploy invalidate --release 20261124-053000-abc123", failure.Message);
        Assert.Empty(await cloudFront.InvalidationsAsync(distribution));
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_UnknownDistribution_FailsWithExit3NamingIt()
    {
        using var handler = FaultInjectingHandler.Script();
        var invalidator = Invalidator("E0000NOSUCHDIST", handler, out var client);
        using var _ = client;

        var failure = await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: false), CancellationToken.None));

        Assert.Contains("E0000NOSUCHDIST", failure.Message);
        Assert.Equal(1, handler.Requests);
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_ServerFaultsOutlastRetries_FailsWithExit3()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        using var handler = FaultInjectingHandler.Script([], always: Fault.ServiceUnavailable);
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;

        var failure = await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: false), CancellationToken.None));

        Assert.Equal(1 + Options(distribution).MaxRetries, handler.Requests);
        Assert.Contains("ServiceUnavailable", failure.Message);
        Assert.Single(handler.CallerReferences.Distinct());
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_Wait_PollsUntilCompleted()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        // The create answer and the first two polls say InProgress; the third poll reads moto's COMPLETED.
        using var handler = FaultInjectingHandler.Script(Fault.ReportInProgress, Fault.ReportInProgress, Fault.ReportInProgress);
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;

        var outcome = await invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: true), CancellationToken.None);

        Assert.True(outcome.Completed);
        Assert.Equal(4, handler.Requests);
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_WaitOutlastsTimeout_FailsWithExit3()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        using var handler = FaultInjectingHandler.Script([], always: Fault.ReportInProgress);
        var invalidator = Invalidator(distribution, handler, out var client, Options(distribution) with { WaitTimeout = TimeSpan.FromMilliseconds(200) });
        using var _ = client;

        var failure = await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: true), CancellationToken.None));

        Assert.Contains("still in progress", failure.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_MoreThan3000Paths_TwoInvalidationsTheFirstAwaitedBeforeTheSecond()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        // The first batch reports InProgress on creation and on the first poll: the second batch must wait for it.
        using var handler = FaultInjectingHandler.Script(Fault.ReportInProgress, Fault.ReportInProgress);
        var invalidator = Invalidator(distribution, handler, out var client);
        using var _ = client;
        var paths = Enumerable.Range(0, 3500).Select(i => $"/assets/{i:D4}.css").ToArray();

        var outcome = await invalidator.InvalidateAsync(new InvalidationRequest(Release, paths, Wait: false), CancellationToken.None);

        var stored = await cloudFront.InvalidationsAsync(distribution);
        Assert.Equal([3000, 500], stored.Select(s => s.Paths.Count));
        Assert.Equal(paths, stored.SelectMany(s => s.Paths));
        Assert.Equal(2, outcome.InvalidationIds.Count);
        Assert.Equal(4, handler.Requests); // create, poll (in progress), poll (completed), create
    }

    [Fact(Timeout = 60000)]
    public async Task InvalidateAsync_WithRetriesAndFailure_LogsNoCredentialSignatureOrToken()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        var credentials = new SigningCredentials("AKIAJAMDEPLOYLOGTEST", "jamdeploySecretKeyThatMustNeverBeLogged0", "jamdeploySessionTokenThatMustNeverBeLogged");
        var sink = new LogCapture();
        var log = sink.Logger();
        using var handler = FaultInjectingHandler.Script(Fault.Throttling, Fault.ResetBeforeSend);
        using var client = CloudFrontClient.Create(Options(distribution), new FixedCredentialsSource(credentials), TimeProvider.System, handler);
        var invalidator = new CloudFrontInvalidator(client, Options(distribution), log, TimeProvider.System);
        using var failing = FaultInjectingHandler.Script(Fault.AccessDenied);
        using var failingClient = CloudFrontClient.Create(Options(distribution), new FixedCredentialsSource(credentials), TimeProvider.System, failing);

        await invalidator.InvalidateAsync(new InvalidationRequest(Release, ["/a"], Wait: true), CancellationToken.None);
        var failure = await Assert.ThrowsAsync<InvalidationFailedException>(() =>
            new CloudFrontInvalidator(failingClient, Options(distribution), log, TimeProvider.System)
                .InvalidateAsync(new InvalidationRequest(Release, ["/b"], Wait: false), CancellationToken.None));
        log.Error(failure, "Invalidation failed for {Release}", Release);

        Assert.Contains(sink.Lines, l => l.Contains("retry"));
        Assert.Contains(sink.Lines, l => l.Contains("AccessDenied"));
        foreach (var line in sink.Lines)
        {
            Assert.DoesNotContain(credentials.AccessKeyId, line);
            Assert.DoesNotContain(credentials.SecretAccessKey, line);
            Assert.DoesNotContain(credentials.SessionToken!, line);
            Assert.DoesNotContain("Signature=", line);
            Assert.DoesNotContain("AWS4-HMAC-SHA256", line);
        }
    }

    private CloudFrontOptions Options(string distribution) => new()
    {
        DistributionId = distribution,
        Endpoint = new Uri(moto.Endpoint),
        MaxRetries = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        PollInterval = TimeSpan.FromMilliseconds(20),
        WaitTimeout = TimeSpan.FromSeconds(10),
    };

    private CloudFrontInvalidator Invalidator(string distribution, FaultInjectingHandler handler, out CloudFrontClient client, CloudFrontOptions? options = null)
    {
        options ??= Options(distribution);
        client = CloudFrontClient.Create(options, new FixedCredentialsSource(new SigningCredentials(MotoServer.AccessKey, MotoServer.SecretKey)), TimeProvider.System, handler);
        return new CloudFrontInvalidator(client, options, Serilog.Core.Logger.None, TimeProvider.System);
    }
}
