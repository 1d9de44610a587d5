using System.Net;
using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Manifests;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// Serve over S3 when a blob's bytes do not match the checksum stored with them. moto does not check
/// checksums, so the damage is other bytes written under the blob's key with the original checksum.
/// </summary>
public sealed class S3DamagedBlobTests(MotoServer moto) : IClassFixture<MotoServer>
{
    /// <summary>A mismatch is not healed by fetching the same bytes again: one GET, then a clean 503.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Get_BlobWhoseBodyDoesNotMatchItsChecksum_Answers503AfterOneFetch()
    {
        var recording = new RecordingHandler();
        using var store = await CreateStoreAsync(recording);
        var site = new TestSite(store);
        var id = await site.DeployAsync([SiteFile.Text("/index.html", "<h1>intact</h1>"), SiteFile.Text("/page.html", "<h1>to be damaged</h1>")]);
        var entry = (await new ReleaseStore(store).ReadLiveManifestAsync(id, CancellationToken.None)).Files["/page.html"];
        var forged = new byte[entry.Size];
        Array.Fill(forged, (byte)'x');
        var lying = new ObjectContent(() => new MemoryStream(forged, writable: false), forged.Length, entry.Hash, entry.ContentType);
        await store.PutAsync(StoreLayout.Blob(entry.Hash), lying, WriteCondition.None, CancellationToken.None);
        await using var edge = await RunningEdge.StartAsync(store);
        recording.Clear();

        using var response = await edge.Client.GetAsync("/page.html");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Headers.ETag);
        Assert.Contains("cannot be read", await response.Content.ReadAsStringAsync());
        Assert.Single(recording.Requests, r => r.Method == "GET" && r.Key.EndsWith(StoreLayout.Blob(entry.Hash), StringComparison.Ordinal));
        // The log is written by a background sink: wait for the line rather than race it.
        await edge.Log.WaitUntilAsync(log => log.Lines.Any(line => line.Contains(entry.Hash.Hex, StringComparison.Ordinal)));
    }

    private async Task<S3ObjectStore> CreateStoreAsync(DelegatingHandler interceptor)
    {
        var bucket = "edge-damaged-" + Guid.NewGuid().ToString("N")[..16];
        var options = new S3StoreOptions { Location = new S3Location(bucket, "site"), EndpointUrl = moto.Endpoint, Region = MotoServer.Region };
        var client = S3ClientFactory.Create(options, interceptor, new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey));
        await client.PutBucketAsync(bucket);
        return new S3ObjectStore(client, options);
    }
}
