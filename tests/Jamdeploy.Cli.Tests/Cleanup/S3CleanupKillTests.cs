using System.Text.Json;
using Jamdeploy.Cli.Tests.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Cli.Tests.Cleanup;

/// <summary>
/// Crash safety on S3 with a real kill -9 at an exact point: a proxy in front of moto holds the Nth
/// DeleteObjects request of a cleanup process, which is then killed. Whatever had been deleted, the live
/// release and every kept one verify deep, and the next run completes the job.
/// </summary>
[RunsLong(23)]
public sealed class S3CleanupKillTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    private static readonly string[] KeepOnlyRequired = ["--keep-last", "1", "--keep-for", "0", "--grace-period", "0"];
    private readonly TempDirectory _workspace = new("s3-cleanup-kill");

    public void Dispose() => _workspace.Dispose();

    /// <summary>Delete 1 removes the old manifests; delete 2 the blobs only they referenced.</summary>
    [Theory(Timeout = 180_000)]
    [InlineData(1, 4)]
    [InlineData(2, 2)]
    public async Task Cleanup_KilledWhileItsNthDeleteIsHeld_KeptReleasesVerifyAndTheRerunFinishes(int heldDelete, int releasesAfterKill)
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var environment = site.Environment(proxy.Endpoint);
        var ids = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            var deploy = await Run(environment, "deploy", Some.Site(_workspace, $"v{i}", $"v{i}"), "--json");
            ids.Add(JsonDocument.Parse(deploy.Stdout).RootElement.GetProperty("release").GetString()!);
        }

        var deletes = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Gate = (request, ct) =>
        {
            if (!(request.Method == "POST" && request.IsQuery("delete")) || Interlocked.Increment(ref deletes) != heldDelete) return Task.FromResult(true);
            held.TrySetResult();
            return never.Task.WaitAsync(ct);
        };
        using (var cleanup = JamdeployProcess.Start(_workspace.Path, ["cleanup", .. KeepOnlyRequired, "--store", site.Url], environment))
        {
            await held.Task.WaitAsync(TimeSpan.FromSeconds(60));
            cleanup.Kill();
            await cleanup.WaitAsync(TimeSpan.FromSeconds(60));
        }
        never.SetResult(false); // the held request never reaches the store, as when the process dies first
        proxy.Gate = null;

        Assert.Equal(releasesAfterKill, (await site.ListAsync(StoreLayout.ReleasesPrefix)).Count);
        Assert.Equal(ids[3], await site.LiveAsync());
        await Run(environment, "verify", "--all", "--deep");
        await Run(environment, ["cleanup", .. KeepOnlyRequired]);
        var verify = await Run(environment, "verify", "--all", "--deep", "--json");

        Assert.Equal(new[] { ids[2], ids[3] }.Order(StringComparer.Ordinal),
            (await site.ListAsync(StoreLayout.ReleasesPrefix)).Select(o => o.Key[StoreLayout.ReleasesPrefix.Length..^".json".Length]).Order(StringComparer.Ordinal));
        var referenced = JsonDocument.Parse(verify.Stdout).RootElement.GetProperty("blobsChecked").GetInt32();
        Assert.Equal(referenced, (await site.ListAsync(StoreLayout.BlobsPrefix)).Count);

        async Task<ProcessResult> Run(IReadOnlyDictionary<string, string> env, params string[] args)
        {
            var result = await JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", site.Url], env);
            Assert.True(result.ExitCode == 0, $"jamdeploy {string.Join(' ', args)}: {result}");
            return result;
        }
    }
}
