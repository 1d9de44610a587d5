using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;
using Serilog;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>Buckets and stores on the shared moto: each test gets its own bucket.</summary>
internal sealed class MotoS3(MotoServer moto)
{
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey);

    public S3StoreOptions Options(string bucket, string prefix = "site") => new()
    {
        Location = new S3Location(bucket, prefix),
        EndpointUrl = moto.Endpoint,
        Region = MotoServer.Region,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        // The production per-attempt timeout: a loaded machine can take seconds to answer a healthy request.
        // A test of the timeout stalls for ever and moves a fake clock instead (FaultInjectingHandler).
    };

    /// <summary>Options for a store whose retry pipeline runs on a fake clock: no backoff wait, which only that clock could end.</summary>
    public static S3StoreOptions OnFakeClock(S3StoreOptions options) => options with { RetryBaseDelay = TimeSpan.Zero };

    public async Task<string> CreateBucketAsync()
    {
        var bucket = "jd-" + Guid.NewGuid().ToString("N")[..24];
        using var client = S3ClientFactory.Create(Options(bucket), credentials: Credentials);
        await client.PutBucketAsync(bucket);
        return bucket;
    }

    public S3ObjectStore Store(S3StoreOptions options, DelegatingHandler? interceptor = null, ILogger? logger = null, AWSCredentials? credentials = null, TimeProvider? clock = null) =>
        new(S3ClientFactory.Create(options, AtomicConditionalWrites.Around(interceptor), credentials ?? Credentials), options, logger, clock);

    public async Task<S3ObjectStore> NewStoreAsync(DelegatingHandler? interceptor = null, Func<S3StoreOptions, S3StoreOptions>? configure = null, ILogger? logger = null, TimeProvider? clock = null)
    {
        var options = Options(await CreateBucketAsync());
        if (clock is not null) options = OnFakeClock(options);
        return Store(configure?.Invoke(options) ?? options, interceptor, logger, clock: clock);
    }
}
