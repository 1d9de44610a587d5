using System.Security.Cryptography;
using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>Invariant 5: a deploy killed with SIGKILL mid-upload leaves live untouched; the rerun sends only the rest.</summary>
[RunsLong(16)]
public sealed class InterruptedDeployTests : IDisposable
{
    private const int Files = 4000;
    private readonly TempDirectory _workspace = new("kill");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 300000)]
    public async Task Deploy_KilledDuringUpload_LeavesLiveUntouchedAndRerunSendsOnlyWhatIsMissing()
    {
        var first = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace), "--store", Store], workingDirectory: _workspace.Path);
        Assert.True(first.ExitCode == 0, first.ToString());
        var liveBefore = File.ReadAllBytes(Path.Combine(Store, "live.json"));
        var releasesBefore = Directory.GetFiles(Path.Combine(Store, "releases")).Length;
        var blobsBefore = BlobCount();
        // 64 KiB files, as in the Ctrl+C test below: the native tool took 4,000 files of 4 KiB into a local store before a
        // busy test process saw 100 of them arrive, and the deploy went live.
        var site = Some.BulkSite(_workspace, Files, 64 << 10);
        var slow = new Dictionary<string, string> { ["JAMDEPLOY__DEPLOY__UPLOADCONCURRENCY"] = "1" };

        var arrived = 0;
        for (var attempt = 0; attempt < 3 && arrived == 0; attempt++)
        {
            using var deploy = JamdeployProcess.Start(_workspace.Path, ["deploy", site, "--store", Store], slow);
            // The upload is under way once blobs arrive (stdout shows no progress off a terminal).
            while (BlobCount() == blobsBefore && !deploy.HasExited) await Task.Delay(1);
            deploy.Kill();
            await deploy.WaitAsync(TimeSpan.FromSeconds(60));
            arrived = BlobCount() - blobsBefore;
            Assert.True(arrived < Files, "the deploy finished before it could be killed; make the site bigger");
        }
        Assert.InRange(arrived, 1, Files - 1);
        Assert.Equal(liveBefore, File.ReadAllBytes(Path.Combine(Store, "live.json")));
        Assert.Equal(releasesBefore, Directory.GetFiles(Path.Combine(Store, "releases")).Length);
        AssertEveryBlobHashesToItsName();

        var rerun = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--json"], workingDirectory: _workspace.Path);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var report = JsonDocument.Parse(rerun.Stdout).RootElement;
        Assert.Equal("live", report.GetProperty("outcome").GetString());
        Assert.Equal(Files - arrived, report.GetProperty("uploadedBlobs").GetInt32());
        Assert.Equal(blobsBefore + Files, BlobCount());
        AssertEveryBlobHashesToItsName();
    }

    [Fact(Timeout = 120000)]
    public async Task Deploy_CtrlC_Exits130AndSaysLiveIsUnchanged()
    {
        var first = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace), "--store", Store], workingDirectory: _workspace.Path);
        Assert.True(first.ExitCode == 0, first.ToString());
        var liveBefore = File.ReadAllBytes(Path.Combine(Store, "live.json"));
        var blobsBefore = BlobCount();
        // 64 KiB files, not 4 KiB: a local store takes 4,000 small files in about a second on an idle machine, which
        // left the interrupt racing the end of the upload (the deploy went live and exited 0).
        var site = Some.BulkSite(_workspace, Files, 64 << 10);

        using var deploy = JamdeployProcess.Start(_workspace.Path, ["deploy", site, "--store", Store],
            new Dictionary<string, string> { ["JAMDEPLOY__DEPLOY__UPLOADCONCURRENCY"] = "1" });
        // The upload is under way once blobs arrive (stdout shows no progress off a terminal).
        while (BlobCount() == blobsBefore && !deploy.HasExited) await Task.Delay(1);
        // A deploy gone before its interrupt ended on its own: its output says how (kill would only say the pid is gone).
        if (deploy.HasExited) Assert.Fail($"the deploy ended before it could be interrupted: {await deploy.WaitAsync(TimeSpan.FromSeconds(30))}");
        Assert.Equal(0, Interrupt(deploy.Id));
        var result = await deploy.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(BlobCount() < blobsBefore + Files, "the deploy finished before it could be interrupted; make the site bigger");
        Assert.True(result.ExitCode == ExitCodes.Cancelled, result.ToString());
        Assert.Equal("jamdeploy: cancelled; the live release is unchanged", result.Stderr.Trim());
        Assert.Equal(liveBefore, File.ReadAllBytes(Path.Combine(Store, "live.json")));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    private static int Interrupt(int pid) => SendSignal(pid, 2 /* SIGINT */);

    private int BlobCount()
    {
        var blobs = Path.Combine(Store, "blobs");
        return Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs).Count(f => !Path.GetFileName(f).StartsWith('.')) : 0;
    }

    private void AssertEveryBlobHashesToItsName()
    {
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(Store, "blobs")).Where(f => !Path.GetFileName(f).StartsWith('.')))
            Assert.Equal(Path.GetFileName(blob), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(blob))));
    }
}
