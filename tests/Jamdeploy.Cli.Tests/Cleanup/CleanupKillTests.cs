using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cleanup;

/// <summary>
/// Crash safety with a real kill -9: the cleanup process is killed at a point it has announced on
/// stdout (after its release manifests went, in the middle of its blob batches); the live site and
/// every kept release still verify, and the next run completes the job.
/// </summary>
[RunsLong(24)]
public sealed class CleanupKillTests : IDisposable
{
    // Sixteen delete batches of blobs: after the last announced point ("4000 of") there are still twelve
    // thousand deletions, a few hundred milliseconds, for the kill to land while the test reads the output
    // of a loaded machine (with eight thousand it sometimes landed after the end).
    private const int Orphans = 16_000;
    private static readonly string[] KeepOnlyRequired = ["--keep-last", "1", "--keep-for", "0", "--grace-period", "0"];

    private readonly TempDirectory _workspace = new("cleanup-kill");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    [Theory(Timeout = 120_000)]
    [InlineData("deleting release manifests: 2 of 2")]
    [InlineData("deleting blobs: 1000 of ")]
    [InlineData("deleting blobs: 4000 of ")]
    public async Task Cleanup_KilledAtAnAnnouncedPoint_LeavesKeptReleasesWholeAndTheRerunFinishes(string killAfter)
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 4);
        await PutOrphansAsync();

        using (var cleanup = JamdeployProcess.Start(_workspace.Path, ["cleanup", .. KeepOnlyRequired, "--store", Store]))
        {
            await cleanup.WaitForOutputAsync(killAfter, TimeSpan.FromSeconds(60));
            Assert.False(cleanup.HasExited, $"cleanup finished before it could be killed:\n{cleanup.Stdout}");
            cleanup.Kill();
            await cleanup.WaitAsync(TimeSpan.FromSeconds(10));
        }
        var leftAfterKill = Directory.GetFiles(Path.Combine(Store, "blobs")).Length;

        var status = await CliRun.SucceedsAsync(Store, "status", "--json");
        Assert.Contains($"\"id\": \"{ids[3]}\"", status.Stdout);
        await CliRun.SucceedsAsync(Store, "verify", "--all", "--deep");
        var rerun = await JamdeployProcess.RunAsync(_workspace.Path, ["cleanup", .. KeepOnlyRequired, "--store", Store], timeout: TimeSpan.FromSeconds(60));
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var verify = await CliRun.SucceedsAsync(Store, "verify", "--all", "--deep", "--json");

        // The kill left work behind: orphans and old blobs the rerun deleted.
        Assert.True(leftAfterKill > 12, $"only {leftAfterKill} blobs were left after the kill: it did not land mid-way");
        Assert.Equal(new[] { ids[2], ids[3] }.Order(StringComparer.Ordinal), Directory.GetFiles(Path.Combine(Store, "releases")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));
        using var json = System.Text.Json.JsonDocument.Parse(verify.Stdout);
        var referenced = json.RootElement.GetProperty("blobsChecked").GetInt32();
        Assert.Equal(referenced, Directory.GetFiles(Path.Combine(Store, "blobs")).Length);
    }

    private async Task PutOrphansAsync()
    {
        var store = new LocalDirectoryStore(Store);
        await Parallel.ForEachAsync(Enumerable.Range(0, Orphans), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var blob = ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes($"left by an abandoned deploy {i}"), "text/plain");
            await store.PutAsync(StoreLayout.Blob(blob.Sha256), blob, WriteCondition.IfAbsent, ct);
        });
    }
}
