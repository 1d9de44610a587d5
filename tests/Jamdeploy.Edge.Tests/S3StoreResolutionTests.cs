using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>One moto_server for the edge's S3 tests.</summary>
[CollectionDefinition(Name)]
public sealed class EdgeMotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "edge on moto S3";
}

/// <summary>The same resolution table, served from S3 (moto on loopback): each test gets its own bucket.</summary>
[Collection(EdgeMotoCollection.Name)]
public sealed class S3StoreResolutionTests(MotoServer moto) : EdgeResolutionTests
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
