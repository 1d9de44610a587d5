using System.Security.Cryptography;
using System.Text.Json;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>
/// Invariant 5 on S3: a deploy SIGKILLed mid-upload leaves live untouched, and the rerun sends only the
/// blobs that had not arrived, counted on the wire by a proxy in front of moto.
/// </summary>
[RunsLong(23)]
public sealed class S3InterruptedDeployTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    private const int Files = 600;
    private const int ArriveBeforeKill = 150;
    private readonly TempDirectory _workspace = new("s3kill");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task Deploy_KilledDuringUpload_LeavesLiveUntouchedAndRerunSendsOnlyWhatIsMissing()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var environment = site.Environment(proxy.Endpoint);
        var first = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", Some.Site(_workspace), "--store", site.Url], environment);
        Assert.True(first.ExitCode == 0, first.ToString());
        var liveBefore = (await site.Store.GetAsync(StoreLayout.LiveKey, CancellationToken.None))!.Content;
        var blobsBefore = (await site.ListAsync(StoreLayout.BlobsPrefix)).Count;
        var releasesBefore = (await site.ListAsync(StoreLayout.ReleasesPrefix)).Count;
        var bulk = Some.BulkSite(_workspace, Files, 2048);

        // Let some blob uploads through, then freeze every later request: the process is stuck mid-upload.
        var passed = 0;
        var frozen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Gate = (request, ct) =>
        {
            var blobUpload = request.Method == "PUT" && request.Key.Contains("/blobs/", StringComparison.Ordinal);
            return !blobUpload || Interlocked.Increment(ref passed) <= ArriveBeforeKill ? Task.FromResult(true) : frozen.Task.WaitAsync(ct);
        };
        using (var deploy = JamdeployProcess.Start(_workspace.Path, ["deploy", bulk, "--store", site.Url], environment))
        {
            while (Volatile.Read(ref passed) <= ArriveBeforeKill && !deploy.HasExited) await Task.Delay(10);
            deploy.Kill();
            await deploy.WaitAsync(TimeSpan.FromSeconds(60));
        }
        frozen.SetResult(false); // what was held never reaches the store, as with a process that died first
        proxy.Gate = null;
        // A PUT let through just before the kill may still be on its way into moto (small bodies go with their headers,
        // without waiting for 100 Continue): count what arrived once every forwarded request has its answer.
        await Task.WhenAll(proxy.Requests.Select(r => r.Answered)).WaitAsync(TimeSpan.FromSeconds(60));

        var arrived = (await site.ListAsync(StoreLayout.BlobsPrefix)).Count - blobsBefore;
        Assert.InRange(arrived, 1, Files - 1);
        Assert.Equal(liveBefore, (await site.Store.GetAsync(StoreLayout.LiveKey, CancellationToken.None))!.Content);
        Assert.Equal(releasesBefore, (await site.ListAsync(StoreLayout.ReleasesPrefix)).Count);
        await AssertEveryBlobHashesToItsNameAsync(site);

        proxy.Clear();
        var rerun = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", bulk, "--store", site.Url, "--json"], environment);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var report = JsonDocument.Parse(rerun.Stdout).RootElement;
        Assert.Equal("live", report.GetProperty("outcome").GetString());
        Assert.Equal(Files - arrived, report.GetProperty("uploadedBlobs").GetInt32());
        Assert.Equal(Files - arrived, proxy.Requests.Count(r => r.Method == "PUT" && r.Key.Contains("/blobs/", StringComparison.Ordinal)));
        Assert.Equal(blobsBefore + Files, (await site.ListAsync(StoreLayout.BlobsPrefix)).Count);
        await AssertEveryBlobHashesToItsNameAsync(site);
    }

    private static async Task AssertEveryBlobHashesToItsNameAsync(S3Site site)
    {
        foreach (var blob in await site.ListAsync(StoreLayout.BlobsPrefix))
        {
            var stored = await site.Store.GetAsync(blob.Key, CancellationToken.None);
            Assert.Equal(blob.Key[StoreLayout.BlobsPrefix.Length..], Convert.ToHexStringLower(SHA256.HashData(stored!.Content)));
        }
    }
}
