using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Core.Tests.Cleanup;

/// <summary>Empty S3 stores on moto: a bucket of their own each, with a small list page so listings really page.</summary>
public sealed class S3Stores(MotoServer moto) : IDisposable
{
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey);
    private readonly List<IDisposable> _opened = [];

    public async Task<IObjectStore> NewAsync()
    {
        var bucket = "jd-cleanup-" + Guid.NewGuid().ToString("N")[..20];
        var options = new S3StoreOptions
        {
            Location = new S3Location(bucket, "site"),
            EndpointUrl = moto.Endpoint,
            Region = MotoServer.Region,
            ListPageSize = 100,
        };
        var client = S3ClientFactory.Create(options, AtomicConditionalWrites.Around(null), Credentials);
        await client.PutBucketAsync(bucket);
        var store = new S3ObjectStore(client, options);
        _opened.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _opened) store.Dispose();
    }
}

[RunsLong(100)]
public sealed class S3StoreCleanupEngineTests(MotoServer moto) : CleanupEngineContract, IClassFixture<MotoServer>
{
    private readonly S3Stores _stores = new(moto);

    protected override Task<IObjectStore> CreateEmptyStoreAsync() => _stores.NewAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _stores.Dispose();
    }
}
