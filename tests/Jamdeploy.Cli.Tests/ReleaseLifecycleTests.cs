using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>What a user sees across deploy, rollback, promote, releases and status, in process through the real entry point.</summary>
public sealed class ReleaseLifecycleTests : IDisposable
{
    private readonly TempDirectory _workspace = new("lifecycle");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var result = await InProcessCli.RunAsync([.. args, "--store", Store, "--json"], workingDirectory: _workspace.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private async Task<string> DeployAsync(string stamp, params string[] extra)
    {
        var report = await JsonAsync(["deploy", Some.Site(_workspace, stamp, stamp), .. extra]);
        return report.GetProperty("release").GetString()!;
    }

    private async Task<string> LiveAsync() =>
        (await JsonAsync("status")).GetProperty("live").GetProperty("id").GetString()!;

    [Fact(Timeout = 120000)]
    public async Task RollbackThenRedeployThenRollback_LiveAndHistoryAsAUserExpects()
    {
        var a = await DeployAsync("a");
        var b = await DeployAsync("b");

        var back = await JsonAsync("rollback");
        Assert.Equal(a, back.GetProperty("live").GetString());
        Assert.Equal(b, back.GetProperty("before").GetString());
        Assert.Equal(a, await LiveAsync());

        var c = await DeployAsync("c");
        Assert.Equal(c, await LiveAsync());
        Assert.Equal(a, (await JsonAsync("status")).GetProperty("rollbackTarget").GetString());

        var again = await JsonAsync("rollback");
        Assert.Equal(a, again.GetProperty("live").GetString());

        var pointer = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Store, "live.json"))).RootElement;
        var history = pointer.GetProperty("history").EnumerateArray()
            .Select(e => (e.GetProperty("release").GetString(), e.GetProperty("action").GetString())).ToList();
        Assert.Equal([(a, "deploy"), (b, "deploy"), (a, "rollback"), (c, "deploy"), (a, "rollback")], history);
    }

    [Fact(Timeout = 120000)]
    public async Task Deploy_IdenticalTree_UploadsNothingAndSaysUnchanged()
    {
        var site = Some.Site(_workspace, "same", "same");
        var first = await JsonAsync("deploy", site);
        var storeBefore = StoreSnapshot.Of(Store);

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store], workingDirectory: _workspace.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        // The outcome, the store, then the site's URL (SiteUrlTests).
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"unchanged: {first.GetProperty("release").GetString()} is live", lines[^3]);
        Assert.Equal($"store: {Store}", lines[^2]);
        StoreSnapshot.AssertUnchanged(storeBefore, Store);
    }

    [Fact(Timeout = 120000)]
    public async Task Deploy_NoPromoteThenPromote_StagesThenGoesLive()
    {
        var a = await DeployAsync("a");
        var staged = await JsonAsync("deploy", Some.Site(_workspace, "b", "b"), "--no-promote");
        var b = staged.GetProperty("release").GetString()!;
        Assert.Equal("staged", staged.GetProperty("outcome").GetString());
        Assert.Equal(a, await LiveAsync());

        var promoted = await JsonAsync("promote", b);
        Assert.Equal(b, promoted.GetProperty("live").GetString());
        Assert.Equal(b, await LiveAsync());
    }

    [Fact(Timeout = 120000)]
    public async Task Deploy_DryRun_ShowsThePlanAndWritesNothing()
    {
        await DeployAsync("a");
        var before = StoreSnapshot.Of(Store);
        var site = Some.Site(_workspace, "b", "b");

        var plan = await JsonAsync("deploy", site, "--dry-run");

        Assert.Equal("dryRun", plan.GetProperty("outcome").GetString());
        // index, about, css and js carry the stamp; 404 and the logo are reused.
        Assert.Equal(4, plan.GetProperty("plannedBlobs").GetInt32());
        var uploads = plan.GetProperty("plan").EnumerateArray().Where(f => f.GetProperty("action").GetString() == "upload").Select(f => f.GetProperty("path").GetString()).Order();
        Assert.Equal(["/about/index.html", "/css/site.css", "/index.html", "/js/app.js"], uploads);
        StoreSnapshot.AssertUnchanged(before, Store);

        var human = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--dry-run"], workingDirectory: _workspace.Path);
        Assert.Contains("dry run: 6 files, 4 new blobs", human.Stdout);
        Assert.Matches(@"(?m)^  change /css/site.css \(\d+ B\): upload, changed content$", human.Stdout);
    }

    [Fact(Timeout = 120000)]
    public async Task JsonOutput_OfDeployReleasesAndStatus_CarriesIdsCountsAndBytes()
    {
        var deploy = await JsonAsync("deploy", Some.Site(_workspace, "j", "j"), "--message", "ship it", "--commit", "abc123");
        var id = deploy.GetProperty("release").GetString()!;
        Assert.Equal(6, deploy.GetProperty("files").GetInt32());
        Assert.Equal(6, deploy.GetProperty("uploadedBlobs").GetInt32());
        Assert.True(deploy.GetProperty("bytesSent").GetInt64() > 0);
        Assert.Equal(deploy.GetProperty("totalBytes").GetInt64(), deploy.GetProperty("bytesSent").GetInt64());

        var releases = (await JsonAsync("releases")).GetProperty("releases").EnumerateArray().ToList();
        var release = Assert.Single(releases);
        Assert.Equal(id, release.GetProperty("id").GetString());
        Assert.True(release.GetProperty("live").GetBoolean());
        Assert.Equal("ship it", release.GetProperty("message").GetString());
        Assert.Equal("abc123", release.GetProperty("commit").GetString());
        Assert.Equal(deploy.GetProperty("totalBytes").GetInt64(), release.GetProperty("bytes").GetInt64());

        var status = await JsonAsync("status");
        Assert.Equal(id, status.GetProperty("live").GetProperty("id").GetString());
        Assert.Equal(6, status.GetProperty("live").GetProperty("files").GetInt32());
        Assert.Equal("deploy", status.GetProperty("liveBy").GetString());
    }
}
