using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// Invariant 3 with two deploys on one store directory, in process through the real entry point (each
/// takes the store's flock through its own file handle, as two processes do; S3DeployRaceTests races real
/// processes). The test holds the store's lock, so both deploys have planned from the same live release
/// and wait at the flip; releasing it makes them race for real every round.
/// </summary>
public sealed class DeployRaceTests : IDisposable
{
    private readonly TempDirectory _workspace = new("race");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 300000)]
    public async Task Deploy_TwoProcessesRacing_LoserExits4NamingTheLiveRelease()
    {
        var expectedHistory = new List<string> { await DeployAsync(Some.Site(_workspace, "seed", "seed")) };
        for (var round = 0; round < 20; round++)
        {
            var (a, b) = await RaceAsync(round, force: false);
            var winner = a.ExitCode == 0 ? a : b;
            var loser = a.ExitCode == 0 ? b : a;
            Assert.True(winner.ExitCode == 0, $"round {round}: {a}\n{b}");
            Assert.True(loser.ExitCode == ExitCodes.Conflict, $"round {round}: {a}\n{b}");
            var winnerId = LiveIdFrom(winner);
            Assert.Contains($"now live: {winnerId}", loser.Stderr);
            // One error line; the rest is the --verbose log the race is timed by.
            Assert.Single(loser.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("jamdeploy:", StringComparison.Ordinal));
            expectedHistory.Add(winnerId);
            Assert.Equal(expectedHistory, ReadHistory());
        }
    }

    [Fact(Timeout = 300000)]
    public async Task Deploy_TwoForcedProcessesRacing_BothFlipsLandInHistory()
    {
        var history = new List<string> { await DeployAsync(Some.Site(_workspace, "seed", "seed")) };
        for (var round = 0; round < 10; round++)
        {
            var (a, b) = await RaceAsync(round, force: true);
            Assert.True(a.ExitCode == 0 && b.ExitCode == 0, $"round {round}: {a}\n{b}");
            var ids = new[] { LiveIdFrom(a), LiveIdFrom(b) };
            var recorded = ReadHistory();
            // Both flips landed, in some order, on top of everything before.
            Assert.Equal(history, recorded.Take(history.Count));
            Assert.Equal(ids.Order(), recorded.Skip(history.Count).Order());
            Assert.Equal(recorded[^1], ReadLive());
            history = recorded;
        }
        Assert.Equal(21, history.Count);
    }

    private async Task<(ProcessResult A, ProcessResult B)> RaceAsync(int round, bool force)
    {
        var siteA = Some.Site(_workspace, $"a{round}", $"a{round}");
        var siteB = Some.Site(_workspace, $"b{round}", $"b{round}");
        string[] extra = force ? ["--force"] : [];
        ProcessResult a, b;
        await using (var held = new FileStream(Path.Combine(Store, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            // --verbose logs each stage on stderr (stdout shows no progress when it is not a terminal).
            using var pa = InProcessCli.Start(["deploy", siteA, "--store", Store, "--verbose", .. extra], workingDirectory: _workspace.Path);
            using var pb = InProcessCli.Start(["deploy", siteB, "--store", Store, "--verbose", .. extra], workingDirectory: _workspace.Path);
            await pa.WaitForStderrAsync("Flipping the live pointer", TimeSpan.FromSeconds(60));
            await pb.WaitForStderrAsync("Flipping the live pointer", TimeSpan.FromSeconds(60));
            await held.DisposeAsync();
            a = await pa.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            b = await pb.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        }
        return (a, b);
    }

    private async Task<string> DeployAsync(string site)
    {
        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store], workingDirectory: _workspace.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return LiveIdFrom(result);
    }

    private static string LiveIdFrom(ProcessResult result) =>
        result.Stdout.Split('\n').Single(l => l.StartsWith("live: ", StringComparison.Ordinal))["live: ".Length..].Split(' ')[0];

    private JsonElement Pointer() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Store, "live.json"))).RootElement;

    private string ReadLive() => Pointer().GetProperty("live").GetString()!;

    private List<string> ReadHistory() =>
        [.. Pointer().GetProperty("history").EnumerateArray().Select(e => e.GetProperty("release").GetString()!)];
}
