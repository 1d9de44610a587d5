using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;
using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>
/// Each way the store can be misconfigured or out of reach ends in one line naming the bucket, with the
/// documented exit code: moto where it produces the error, a fault layer where it cannot.
/// </summary>
public sealed class S3ErrorTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(55)).Token;

    [Fact(Timeout = 60_000)]
    public async Task AnyOperation_BucketMissing_IsAUsageErrorNamingTheBucket()
    {
        using var store = _s3.Store(_s3.Options("jd-no-such-bucket-here"));

        var onRead = await Assert.ThrowsAsync<UsageException>(() => store.GetAsync(StoreLayout.LiveKey, _ct));
        var onWrite = await Assert.ThrowsAsync<UsageException>(() => store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes([1], "application/json"), WriteCondition.IfAbsent, _ct));
        var onList = await Assert.ThrowsAsync<UsageException>(async () => { await foreach (var _ in store.ListAsync(StoreLayout.BlobsPrefix, _ct)) { } });

        Assert.All([onRead, onWrite, onList], e =>
        {
            Assert.Equal(ExitCodes.Usage, e.ExitCode);
            Assert.Contains("'jd-no-such-bucket-here' does not exist", e.Message);
            AssertOneLine(e);
        });
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Fault.AccessDenied, "access denied to bucket")]
    [InlineData(Fault.BadCredentials, "rejected the AWS credentials")]
    [InlineData(Fault.WrongRegion, "is in another region")]
    public async Task AnyOperation_RefusedByTheService_IsAUsageErrorNamingTheBucket(Fault fault, string expected)
    {
        var faults = new FaultInjectingHandler(_ => fault);
        using var store = await _s3.NewStoreAsync(faults);

        var error = await Assert.ThrowsAsync<UsageException>(() => store.GetAsync(StoreLayout.LiveKey, _ct));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(expected, error.Message);
        Assert.Contains(store.Options.Location.Bucket, error.Message);
        Assert.Equal(1, faults.Injected); // not retried: a retry cannot fix a setting
        AssertOneLine(error);
    }

    [Fact(Timeout = 60_000)]
    public async Task AnyOperation_EndpointUnreachable_IsAStoreErrorNamingEndpointAndBucket()
    {
        var closedPort = ClosedPort();
        var options = _s3.Options("jd-unreachable") with { EndpointUrl = $"http://127.0.0.1:{closedPort}", MaxRetryAttempts = 2 };
        using var store = _s3.Store(options);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.HeadAsync(StoreLayout.LiveKey, _ct));

        Assert.Equal(ExitCodes.Failed, error.ExitCode);
        Assert.Contains($"cannot reach the store at http://127.0.0.1:{closedPort}", error.Message);
        Assert.Contains("'jd-unreachable'", error.Message);
        AssertOneLine(error);
    }

    [Fact(Timeout = 60_000)]
    public async Task AnyOperation_StoreKeepsStalling_IsAStoreErrorAfterTheRetries()
    {
        var clock = new FakeTimeProvider();
        var faults = new FaultInjectingHandler(_ => Fault.Stall, stallClock: clock);
        using var store = await _s3.NewStoreAsync(faults, o => o with { MaxRetryAttempts = 2 }, clock: clock);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.GetAsync(StoreLayout.LiveKey, _ct));

        Assert.Contains("did not answer", error.Message);
        Assert.Equal(3, faults.Injected);
        AssertOneLine(error);
    }

    [Fact]
    public void Create_UnknownProfile_IsAUsageError()
    {
        var options = _s3.Options("jd-profile") with { Profile = "jamdeploy-no-such-profile" };

        var error = Assert.Throws<UsageException>(() => S3ObjectStore.Create(options));

        Assert.Contains("'jamdeploy-no-such-profile' was not found", error.Message);
    }

    [Fact]
    public void Create_BadSettings_IsAUsageErrorNamingTheSetting()
    {
        var options = _s3.Options("jd-settings") with { PartSize = 1024 };

        var error = Assert.Throws<UsageException>(() => S3ObjectStore.Create(options));

        Assert.Contains("part size", error.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task Failures_WithSecretCredentials_NeverShowTheSecretInMessagesOrLogs()
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY42";
        var sink = new LogCapture();
        var faults = new FaultInjectingHandler(r => r.Method == HttpMethod.Get ? Fault.BadCredentials : Fault.SlowDown);
        var options = _s3.Options(await _s3.CreateBucketAsync()) with { MaxRetryAttempts = 2 };
        using var store = _s3.Store(options, faults, sink.Logger(), new BasicAWSCredentials("AKIAJAMDEPLOYTEST", secret));

        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<UsageException>(() => store.GetAsync(StoreLayout.LiveKey, _ct)),
            await Assert.ThrowsAsync<StoreException>(() => store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes([1], "application/json"), WriteCondition.IfAbsent, _ct)),
        };

        Assert.NotEmpty(sink.Lines);
        Assert.All(sink.Lines, line => Assert.DoesNotContain(secret, line));
        Assert.All(errors, e => Assert.DoesNotContain(secret, e.ToString()));
    }

    private static void AssertOneLine(Exception error) => Assert.DoesNotContain('\n', error.Message);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
