using System.Text.Json;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// A blob deleted out of band (a lifecycle rule, a hand-run `aws s3 rm`): no command that knows of it makes a
/// release live without it (invariant 1), and a deploy that has the file sends it again. In process, local store.
/// </summary>
public sealed class MissingBlobTests : IDisposable
{
    private readonly TempDirectory _workspace = new("missing-blob");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private Task<ProcessResult> RunAsync(params string[] args) =>
        InProcessCli.RunAsync([.. args, "--store", Store], workingDirectory: _workspace.Path);

    private async Task<string> DeployAsync(string folder, params string[] extra)
    {
        var result = await RunAsync(["deploy", folder, "--json", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.GetProperty("release").GetString()!;
    }

    /// <summary>Deletes the blob of <paramref name="path"/> in <paramref name="release"/>; returns its hash.</summary>
    private async Task<ContentHash> DeleteBlobAsync(string release, string path)
    {
        var manifest = await new ReleaseStore(new LocalDirectoryStore(Store)).ReadRequestedManifestAsync(ReleaseId.Parse(release), CancellationToken.None);
        var hash = manifest.Files[path].Hash;
        File.Delete(Path.Combine(Store, "blobs", hash.Hex));
        return hash;
    }

    private async Task<string?> LiveAsync() =>
        (await new ReleaseStore(new LocalDirectoryStore(Store)).ReadLiveAsync(CancellationToken.None)).Live?.Value;

    /// <summary>
    /// Four of six files change, so the plan lists the blob prefix (one page beats four HEADs): that listing
    /// shows the unchanged logo's blob gone, and the deploy sends it again instead of trusting the live release.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Deploy_ReusedLiveBlobDeletedOutOfBand_TheListingShowsItAndTheDeploySendsItAgain()
    {
        var v1 = await DeployAsync(Some.Site(_workspace, "v1", "v1"));
        var logo = await DeleteBlobAsync(v1, "/img/logo.svg");

        var deploy = await RunAsync("deploy", Some.Site(_workspace, "v2", "v2"), "--json");
        var verify = await RunAsync("verify");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Equal(5, JsonDocument.Parse(deploy.Stdout).RootElement.GetProperty("uploadedBlobs").GetInt32());
        Assert.True(File.Exists(Path.Combine(Store, "blobs", logo.Hex)));
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    /// <summary>The repair for a damaged live release: deploy the same folder again with --verify. Nothing flips.</summary>
    [Fact(Timeout = 120_000)]
    public async Task DeployVerify_LiveFolderWithABlobDeleted_SendsItAgainAndStaysUnchanged()
    {
        var folder = Some.Site(_workspace, "v1", "v1");
        var v1 = await DeployAsync(folder);
        var css = await DeleteBlobAsync(v1, "/css/site.css");

        var repair = await RunAsync("deploy", folder, "--verify");
        var again = await RunAsync("deploy", folder, "--verify", "--json");
        var verify = await RunAsync("verify");

        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Contains($"unchanged: {v1} is live; sent again 1 blob it was missing (18 B)", repair.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(File.Exists(Path.Combine(Store, "blobs", css.Hex)));
        Assert.Equal(0, JsonDocument.Parse(again.Stdout).RootElement.GetProperty("uploadedBlobs").GetInt32());
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(v1, await LiveAsync());
    }

    /// <summary>A switch to a release missing a blob, when asked to look (--verify): refused in one line, nothing moves.</summary>
    [Theory(Timeout = 120_000)]
    [InlineData("rollback")]
    [InlineData("promote")]
    public async Task SwitchVerify_TargetMissingABlob_RefusesInOneLineAndLiveStays(string command)
    {
        var v1Folder = Some.Site(_workspace, "v1", "v1");
        var v1 = await DeployAsync(v1Folder);
        var v2 = await DeployAsync(Some.Site(_workspace, "v2", "v2"));
        var css = await DeleteBlobAsync(v1, "/css/site.css");
        string[] args = command == "rollback" ? ["rollback", "--verify"] : ["promote", v1, "--verify"];

        var refused = await RunAsync(args);

        Assert.Equal(ExitCodes.Failed, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"jamdeploy: refused: release {v1} is missing 1 blob from the store (first {css.Short}… for /css/site.css)", line);
        Assert.Contains($"`jamdeploy deploy {v1Folder} --verify`", line);
        Assert.Equal(v2, await LiveAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task RollbackVerify_EveryBlobStored_Switches()
    {
        var v1 = await DeployAsync(Some.Site(_workspace, "v1", "v1"));
        await DeployAsync(Some.Site(_workspace, "v2", "v2"));

        var rollback = await RunAsync("rollback", "--verify");

        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Equal(v1, await LiveAsync());
    }
}
