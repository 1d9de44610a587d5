using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>
/// Invariant 3 on S3 with real processes: four deploys plan from the same live release, and a proxy in
/// front of moto holds their first writes of the store lease (taken for the flip) until all four are at the
/// flip, so every round is a real race of conditional writes (If-Match) on the lease, then the pointer.
/// </summary>
[RunsLong(30)]
public sealed class S3DeployRaceTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    // The proxy makes every round a real race whatever the number; each racer is a process (about a second of CPU
    // on CI's two cores), so four, not more.
    private const int Racers = 4;
    private readonly TempDirectory _workspace = new("s3race");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task Deploy_FourProcessesRacing_ExactlyOneFlipWinsEachRoundAndLosersExit4()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var history = new List<string> { await DeployAsync(site, Some.Site(_workspace, "seed", "seed")) };

        for (var round = 0; round < 2; round++)
        {
            var results = await RaceAsync(site, proxy, round, force: false);

            var winner = Assert.Single(results, r => r.ExitCode == 0);
            var winnerId = S3Site.LiveIdFrom(winner);
            Assert.All(results.Where(r => r != winner), loser =>
            {
                Assert.True(loser.ExitCode == ExitCodes.Conflict, loser.ToString());
                Assert.Contains($"now live: {winnerId}", loser.Stderr);
            });
            history.Add(winnerId);
            Assert.Equal(history, await site.HistoryAsync());
            Assert.Equal(winnerId, await site.LiveAsync());
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Deploy_FourForcedProcessesRacing_EveryFlipLandsInHistory()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var history = new List<string> { await DeployAsync(site, Some.Site(_workspace, "seed", "seed")) };

        var results = await RaceAsync(site, proxy, round: 0, force: true);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var recorded = await site.HistoryAsync();
        Assert.Equal(history, recorded.Take(history.Count));
        Assert.Equal(results.Select(S3Site.LiveIdFrom).Order(), recorded.Skip(history.Count).Order());
        Assert.Equal(recorded[^1], await site.LiveAsync());
        Assert.Equal(1 + Racers, recorded.Count);
    }

    private async Task<ProcessResult[]> RaceAsync(S3Site site, S3Proxy proxy, int round, bool force)
    {
        var atTheFlip = 0;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // moto checks If-Match and then writes without a lock, so two writers can both pass; S3 applies a
        // conditional write atomically. The proxy lets one lease or pointer write reach moto at a time, as S3 would.
        using var oneAtATime = new SemaphoreSlim(1);
        proxy.Gate = async (request, ct) =>
        {
            var lease = request.Key.EndsWith("/lease.json", StringComparison.Ordinal);
            if (request.Method != "PUT" || !(lease || request.Key.EndsWith("/live.json", StringComparison.Ordinal))) return true;
            // A deploy takes the store lease for its flip: its first write of it is where all four meet.
            if (lease && !go.Task.IsCompleted)
            {
                if (Interlocked.Increment(ref atTheFlip) == Racers) go.TrySetResult();
                // A racer that failed early would hold the others forever; the round then fails on its count.
                await go.Task.WaitAsync(TimeSpan.FromSeconds(120), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            await oneAtATime.WaitAsync(ct);
            // The next write goes once moto has answered this one, so it sees this one's result.
            _ = request.Answered.ContinueWith(_ => oneAtATime.Release(), TaskScheduler.Default);
            return true;
        };
        string[] extra = force ? ["--force"] : [];
        var environment = site.Environment(proxy.Endpoint);
        var processes = Enumerable.Range(0, Racers)
            .Select(i => JamdeployProcess.Start(_workspace.Path, ["deploy", Some.Site(_workspace, $"r{round}-{force}-{i}", $"r{round}-{i}"), "--store", site.Url, .. extra], environment))
            .ToList();
        try
        {
            var results = await Task.WhenAll(processes.Select(p => p.WaitAsync(TimeSpan.FromSeconds(180))));
            Assert.True(go.Task.IsCompleted, $"only {atTheFlip} of {Racers} deploys reached the flip:\n{string.Join("\n", results.Select(r => r.ToString()))}");
            return results;
        }
        finally
        {
            proxy.Gate = null;
            foreach (var process in processes) process.Dispose();
        }
    }

    private async Task<string> DeployAsync(S3Site site, string folder)
    {
        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", folder, "--store", site.Url], site.Environment());
        Assert.True(result.ExitCode == 0, result.ToString());
        return S3Site.LiveIdFrom(result);
    }
}
