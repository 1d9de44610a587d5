using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>The same resolution table, served from S3 (moto on loopback): each test gets its own bucket.</summary>
public sealed class S3StoreResolutionTests(MotoServer moto) : EdgeResolutionTests, IClassFixture<MotoServer>
{
    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        var bucket = "edge-" + Guid.NewGuid().ToString("N")[..20];
        var options = new S3StoreOptions { Location = new S3Location(bucket, "site"), EndpointUrl = moto.Endpoint, Region = MotoServer.Region };
        var client = S3ClientFactory.Create(options, credentials: new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey));
        await client.PutBucketAsync(bucket);
        return new S3ObjectStore(client, options);
    }
}
