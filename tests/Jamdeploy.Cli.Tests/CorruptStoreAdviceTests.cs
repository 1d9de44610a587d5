using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// A corrupt pointer or manifest is one line naming the document and what repairs it; following that advice,
/// word for word, repairs it. Promote never rewrites a manifest, and cannot rewrite a pointer it cannot read.
/// </summary>
public sealed class CorruptStoreAdviceTests : IDisposable
{
    private readonly TempDirectory _workspace = new("corrupt-advice");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private Task<ProcessResult> RunAsync(params string[] args) =>
        InProcessCli.RunAsync([.. args, "--store", Store], workingDirectory: _workspace.Path);

    private async Task<string> DeployAsync(string stamp)
    {
        var result = await RunAsync("deploy", Some.Site(_workspace, stamp, stamp), "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.GetProperty("release").GetString()!;
    }

    [Fact(Timeout = 120000)]
    public async Task CorruptPointer_AdvisesDeletingItThenPromote_WhichRepairsIt()
    {
        var a = await DeployAsync("a");
        File.WriteAllText(Path.Combine(Store, "live.json"), "{\"live\": 5");

        var status = await RunAsync("status");
        var promoteOverIt = await RunAsync("promote", a);

        Assert.Equal(1, status.ExitCode);
        var line = Assert.Single(status.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("live.json: the live pointer is corrupt", line);
        Assert.EndsWith("restore it from a backup, or delete it and `jamdeploy promote <release>` writes a new one (the rollback history is lost)", line);
        // Why the advice says delete first: promote reads the pointer before it writes one.
        Assert.Equal(1, promoteOverIt.ExitCode);

        File.Delete(Path.Combine(Store, "live.json"));
        var promoted = await RunAsync("promote", a);
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.Equal(0, (await RunAsync("status")).ExitCode);
    }

    [Fact(Timeout = 120000)]
    public async Task CorruptLiveManifest_AdvisesMovingLiveAway_RollbackDoesItAndTheNextDeployWorks()
    {
        var a = await DeployAsync("a");
        var b = await DeployAsync("b");
        File.WriteAllText(Path.Combine(Store, "releases", $"{b}.json"), "{\"format\": 1, \"id\":");

        var deploy = await RunAsync("deploy", Some.Site(_workspace, "c", "c"));

        Assert.Equal(1, deploy.ExitCode);
        var line = Assert.Single(deploy.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{b}.json: the release manifest is corrupt", line);
        Assert.DoesNotContain("rewrite it", line);
        Assert.EndsWith("restore it from a backup (manifests are never rewritten); if it is the live release, `jamdeploy rollback` or `jamdeploy promote <release>` makes another one live", line);

        var rollback = await RunAsync("rollback", "--json");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Equal(a, JsonDocument.Parse(rollback.Stdout).RootElement.GetProperty("live").GetString());
        Assert.Equal(0, (await RunAsync("deploy", Some.Site(_workspace, "c", "c"))).ExitCode);
    }
}
