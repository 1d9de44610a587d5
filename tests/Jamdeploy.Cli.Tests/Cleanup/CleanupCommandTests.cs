using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cleanup;

/// <summary>
/// <c>cleanup</c>, <c>verify</c>, <c>pin</c> and <c>unpin</c> through the real root command: flags and the
/// <c>Cleanup</c> configuration section, output in words and JSON, exit codes.
/// </summary>
public sealed class CleanupCommandTests : IDisposable
{
    private const int Timeout = 60_000;
    // Everything this test deploys is seconds old: only these rules let it go.
    private static readonly string[] KeepOnlyRequired = ["--keep-last", "1", "--keep-for", "0", "--grace-period", "0"];

    private readonly TempDirectory _workspace = new("cleanup-cli");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_DryRunJson_ShowsThePlanAndDeletesNothing()
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 4);
        var before = StoreSnapshot.Of(Store);

        var result = await CliRun.SucceedsAsync(Store, ["cleanup", "--dry-run", "--json", .. KeepOnlyRequired]);

        StoreSnapshot.AssertUnchanged(before, Store);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("dryRun").GetBoolean());
        Assert.Equal([ids[0], ids[1]], root.GetProperty("releasesToDelete").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal([(ids[2], "rollbackTarget"), (ids[3], "live,newest")],
            root.GetProperty("kept").EnumerateArray().Select(r => (r.GetProperty("id").GetString(), string.Join(",", r.GetProperty("reasons").EnumerateArray().Select(x => x.GetString())))));
        Assert.True(root.GetProperty("blobsToDelete").GetProperty("count").GetInt32() > 0);
        Assert.True(root.GetProperty("bytesToFree").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("deleted").ValueKind);
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_DryRun_SaysInWordsWhatWouldGoAndWhy()
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 3);

        var result = await CliRun.SucceedsAsync(Store, ["cleanup", "--dry-run", .. KeepOnlyRequired]);

        var lines = result.Stdout.TrimEnd().Split('\n');
        Assert.Equal($"  delete  {ids[0]}", lines[0][..(10 + ids[0].Length)]);
        Assert.Equal($"  keep    {ids[1]}  (rollback target)", lines[1]);
        Assert.Equal($"  keep    {ids[2]}  (live, newest)", lines[2]);
        Assert.Matches(@"^dry run: would delete 1 release and \d+ blobs, freeing (\d+ B|[\d.]+ [KMG]iB); keeping 2 releases; nothing deleted$", lines[^2]);
        Assert.Equal($"store: {Store}", lines[^1]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_Run_DeletesWhatRetentionLetsGoAndEveryKeptReleaseVerifies()
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 4);

        var result = await CliRun.SucceedsAsync(Store, ["cleanup", .. KeepOnlyRequired]);
        var verify = await CliRun.SucceedsAsync(Store, "verify", "--all", "--deep");

        Assert.Matches($@"deleted 2 releases and \d+ blobs, freed (\d+ B|[\d.]+ [KMG]iB); kept 2 releases, {ids[3]} live", result.Stdout);
        Assert.Equal(2, verify.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"ok      {ids[3]} (live): 6 files, 6 blobs present and intact", verify.Stdout);
    }

    /// <summary>
    /// A deploy killed mid-upload leaves its temp file in the local store, which no listing shows: cleanup
    /// removes those untouched for an hour and says so, and leaves one being written now alone.
    /// </summary>
    [Fact(Timeout = Timeout)]
    public async Task Cleanup_TempFilesOfKilledWrites_RemovesThoseUntouchedForAnHourAndSaysSo()
    {
        await CliRun.DeployVersionsAsync(_workspace, Store, 1);
        var staleBlob = Path.Combine(Store, "blobs", ".tmp-" + Guid.NewGuid().ToString("N"));
        var staleManifest = Path.Combine(Store, "releases", ".tmp-" + Guid.NewGuid().ToString("N"));
        var inProgress = Path.Combine(Store, "blobs", ".tmp-" + Guid.NewGuid().ToString("N"));
        foreach (var stale in new[] { staleBlob, staleManifest })
        {
            await File.WriteAllTextAsync(stale, "half an object");
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        }
        await File.WriteAllTextAsync(inProgress, "a write under way");

        var planned = await CliRun.SucceedsAsync(Store, "cleanup", "--dry-run", "--json");
        var run = await CliRun.SucceedsAsync(Store, "cleanup");

        using (var json = JsonDocument.Parse(planned.Stdout))
            Assert.Equal(2, json.RootElement.GetProperty("abandonedTempFiles").GetProperty("count").GetInt32());
        Assert.Contains("removed 2 temp files left by killed writes", run.Stdout);
        Assert.False(File.Exists(staleBlob));
        Assert.False(File.Exists(staleManifest));
        Assert.True(File.Exists(inProgress));
        await CliRun.SucceedsAsync(Store, "verify", "--all");
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_MaxDelete_ExitsOneSayingItStoppedAndTheNextRunFinishes()
    {
        await CliRun.DeployVersionsAsync(_workspace, Store, 4);

        var stopped = await InProcessCli.RunAsync(["cleanup", "--max-delete", "3", .. KeepOnlyRequired, "--store", Store]);
        var rest = await CliRun.SucceedsAsync(Store, ["cleanup", "--json", .. KeepOnlyRequired]);

        Assert.True(stopped.ExitCode == ExitCodes.Failed, stopped.ToString());
        Assert.Matches(@"^jamdeploy: stopped at --max-delete 3: deleted 3 objects, \d+ left; run cleanup again to continue", stopped.Stderr);
        Assert.Contains("deleted 2 releases and 1 blob", stopped.Stdout);
        using var json = JsonDocument.Parse(rest.Stdout);
        Assert.False(json.RootElement.GetProperty("stoppedAtLimit").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("deleted").GetProperty("releases").GetInt32());
        await CliRun.SucceedsAsync(Store, "verify", "--all", "--deep");
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_Defaults_KeepEverythingThisYoung()
    {
        await CliRun.DeployVersionsAsync(_workspace, Store, 3);
        var before = StoreSnapshot.Of(Store);

        var result = await CliRun.SucceedsAsync(Store, "cleanup");

        Assert.Equal("nothing to delete: 3 releases kept", result.Stdout.Split(',')[0]);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("--keep-for", "7")]
    [InlineData("--grace-period", "soon")]
    [InlineData("--keep-last", "-1")]
    [InlineData("--max-delete", "0")]
    public async Task Cleanup_BadFlag_IsOneLineExitTwoAndTouchesNothing(string flag, string value)
    {
        await CliRun.DeployVersionsAsync(_workspace, Store, 2);
        var before = StoreSnapshot.Of(Store);

        var result = await InProcessCli.RunAsync(["cleanup", flag, value, "--store", Store]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(flag, result.Stderr);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_ConfigurationSection_SetsTheRulesAndFlagsOverrideIt()
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 4);
        _workspace.Write("jamdeploy.json", """{ "Cleanup": { "KeepLast": 3, "KeepFor": "00:00:00", "GracePeriod": "00:00:00" } }""");

        var configured = await InProcessCli.RunAsync(["cleanup", "--dry-run", "--json", "--store", Store], workingDirectory: _workspace.Path);
        var flagged = await InProcessCli.RunAsync(["cleanup", "--dry-run", "--json", "--keep-last", "1", "--store", Store],
            new Dictionary<string, string?> { ["JAMDEPLOY__CLEANUP__MAXDELETE"] = "2" }, _workspace.Path);

        Assert.True(configured.ExitCode == 0, configured.ToString());
        Assert.Equal([ids[0]], ReleasesToDelete(configured.Stdout));
        Assert.True(flagged.ExitCode == 0, flagged.ToString());
        Assert.Equal([ids[0], ids[1]], ReleasesToDelete(flagged.Stdout));
        using var json = JsonDocument.Parse(flagged.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("maxDelete").GetInt32());
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_ConfigurationValueOfTheWrongType_IsExitTwo()
    {
        await CliRun.DeployVersionsAsync(_workspace, Store, 1);
        _workspace.Write("jamdeploy.json", """{ "Cleanup": { "KeepLast": "many" } }""");

        var result = await InProcessCli.RunAsync(["cleanup", "--store", Store], workingDirectory: _workspace.Path);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("KeepLast", result.Stderr);
    }

    [Fact(Timeout = Timeout)]
    public async Task Pin_KeepsAnOldReleaseThroughCleanup_UntilUnpin()
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 4);

        var pinned = await CliRun.SucceedsAsync(Store, "pin", ids[0], "--note", "launch day");
        await CliRun.SucceedsAsync(Store, ["cleanup", .. KeepOnlyRequired]);
        var whilePinned = await CliRun.SucceedsAsync(Store, "releases");
        var unpinned = await CliRun.SucceedsAsync(Store, "unpin", ids[0]);
        var again = await CliRun.SucceedsAsync(Store, "unpin", ids[0]);
        await CliRun.SucceedsAsync(Store, ["cleanup", .. KeepOnlyRequired]);
        var afterUnpin = await CliRun.SucceedsAsync(Store, "releases");

        Assert.StartsWith($"pinned: {ids[0]}", pinned.Stdout);
        Assert.Contains(ids[0], whilePinned.Stdout);
        Assert.DoesNotContain(ids[1], whilePinned.Stdout);
        Assert.StartsWith($"unpinned: {ids[0]}", unpinned.Stdout);
        Assert.StartsWith($"unchanged: {ids[0]} was not pinned", again.Stdout);
        Assert.DoesNotContain(ids[0], afterUnpin.Stdout);
    }

    [Fact(Timeout = Timeout)]
    public async Task Pin_UnknownRelease_IsExitTwo()
    {
        await CliRun.DeployVersionsAsync(_workspace, Store, 1);

        var result = await InProcessCli.RunAsync(["pin", "20200101-000000-abcdef", "--store", Store]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Equal($"jamdeploy: release 20200101-000000-abcdef does not exist in {Store}; `jamdeploy releases` lists them", result.Stderr.TrimEnd());
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_MissingAndCorruptBlobs_ExitOneListingEachWithItsPaths()
    {
        var ids = await CliRun.DeployVersionsAsync(_workspace, Store, 2);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Store, "releases", ids[1] + ".json"))).RootElement.GetProperty("files");
        var css = manifest.GetProperty("/css/site.css").GetProperty("hash").GetString()!;
        var logo = manifest.GetProperty("/img/logo.svg").GetProperty("hash").GetString()!;
        File.Delete(Path.Combine(Store, "blobs", css));
        var logoPath = Path.Combine(Store, "blobs", logo);
        File.WriteAllText(logoPath, new string('x', (int)new FileInfo(logoPath).Length));

        var shallow = await InProcessCli.RunAsync(["verify", "--store", Store]);
        var deep = await InProcessCli.RunAsync(["verify", "--deep", "--release", ids[1], "--store", Store]);

        Assert.True(shallow.ExitCode == ExitCodes.Failed, shallow.ToString());
        Assert.Contains($"BROKEN  {ids[1]} (live): 1 broken blob of 6", shallow.Stdout);
        Assert.Contains($"  missing  {css[..12]}  /css/site.css  (not in the store)", shallow.Stdout);
        Assert.Equal("jamdeploy: verify failed: 1 of 1 release cannot be served whole (1 broken blob)", shallow.Stderr.TrimEnd());
        Assert.True(deep.ExitCode == ExitCodes.Failed, deep.ToString());
        Assert.Contains($"  corrupt  {logo[..12]}  /img/logo.svg", deep.Stdout);
        Assert.Contains($"  missing  {css[..12]}  /css/site.css", deep.Stdout);
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_NothingLive_IsExitTwo()
    {
        var result = await InProcessCli.RunAsync(["verify", "--store", Store]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("nothing is live", result.Stderr);
    }

    private static IReadOnlyList<string?> ReleasesToDelete(string stdout)
    {
        using var json = JsonDocument.Parse(stdout);
        return [.. json.RootElement.GetProperty("releasesToDelete").EnumerateArray().Select(r => r.GetProperty("id").GetString())];
    }
}
