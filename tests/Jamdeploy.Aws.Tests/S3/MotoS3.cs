using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.TestSupport;
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
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public async Task<string> CreateBucketAsync()
    {
        var bucket = "jd-" + Guid.NewGuid().ToString("N")[..24];
        using var client = S3ClientFactory.Create(Options(bucket), credentials: Credentials);
        await client.PutBucketAsync(bucket);
        return bucket;
    }

    public S3ObjectStore Store(S3StoreOptions options, DelegatingHandler? interceptor = null, ILogger? logger = null, AWSCredentials? credentials = null) =>
        new(S3ClientFactory.Create(options, interceptor, credentials ?? Credentials), options, logger);

    public async Task<S3ObjectStore> NewStoreAsync(DelegatingHandler? interceptor = null, Func<S3StoreOptions, S3StoreOptions>? configure = null, ILogger? logger = null)
    {
        var options = Options(await CreateBucketAsync());
        return Store(configure?.Invoke(options) ?? options, interceptor, logger);
    }
}
