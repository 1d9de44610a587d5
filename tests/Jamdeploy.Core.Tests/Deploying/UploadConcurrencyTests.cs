using Jamdeploy.Cdn;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Deploying;

/// <summary>
/// How many uploads a deploy keeps in flight: the user's setting as given, else a number that grows while it carries
/// more a second and never past its ceiling. The limit is fed completion times, never a clock, so these tests give it
/// the times a link would.
/// </summary>
public sealed class UploadConcurrencyTests : IDisposable
{
    private readonly TempDirectory _dir = new("upload-concurrency");

    public void Dispose() => _dir.Dispose();

    /// <summary>Completions as a store with this throughput (work a second, given the limit) gives them, until <paramref name="count"/>.</summary>
    private static List<int> Run(UploadConcurrency limit, Func<int, double> completionsPerSecond, int count, long bytes = 0)
    {
        var limits = new List<int>();
        var elapsed = TimeSpan.Zero;
        for (var i = 0; i < count; i++)
        {
            elapsed += TimeSpan.FromSeconds(1 / completionsPerSecond(limit.Limit));
            limits.Add(limit.Completed(elapsed, bytes));
        }
        return limits;
    }

    private static int[] Changes(IEnumerable<int> limits)
    {
        var changes = new List<int>();
        foreach (var l in limits)
            if (changes.Count == 0 || changes[^1] != l) changes.Add(l);
        return [.. changes];
    }

    [Fact]
    public void Adaptive_ThroughputGrowingWithEveryDoubling_DoublesUpToTheCeilingAndStaysThere()
    {
        var limit = UploadConcurrency.Adaptive();

        // A distant store with room for any number at once: 50 ms a request, n at once carry n / 50 ms.
        var limits = Run(limit, n => n / 0.050, 2_000);

        Assert.Equal(new[] { 16, 32, 64, 128 }, limits.Prepend(16).Distinct().ToArray());
        Assert.Equal(UploadConcurrency.Max, limits[^1]);
        Assert.True(limit.Settled);
    }

    [Fact]
    public void Adaptive_ThroughputThatStopsGrowing_GoesBackToTheLastLimitThatPaidOff()
    {
        var limit = UploadConcurrency.Adaptive();

        // A store busy past 36 requests at once: more in flight only queue there.
        var limits = Run(limit, n => Math.Min(n, 36) / 0.050, 2_000);

        Assert.Equal(new[] { 16, 32, 64, 32 }, Changes(limits.Prepend(16)));
        Assert.True(limit.Settled);
        Assert.Equal(32, limit.Limit);
    }

    [Fact]
    public void Adaptive_ANearOrBusyStore_StaysWhereItStarted()
    {
        var limit = UploadConcurrency.Adaptive();

        // A store that answers as fast with one request in flight as with many (a loopback emulator on a busy CPU).
        var limits = Run(limit, _ => 300, 2_000, bytes: 20_000);

        Assert.True(limits.Max() <= 32, $"peaked at {limits.Max()}");
        Assert.Equal(UploadConcurrency.Initial, limit.Limit);
        Assert.True(limit.Settled);
    }

    [Fact]
    public void Adaptive_AClockThatDoesNotMove_KeepsTheInitialLimit()
    {
        var limit = UploadConcurrency.Adaptive();

        for (var i = 0; i < 500; i++) limit.Completed(TimeSpan.Zero, 1000);

        Assert.Equal(UploadConcurrency.Initial, limit.Limit);
    }

    [Fact]
    public void For_TheSettingGiven_IsKeptWhateverTheThroughput()
    {
        var limit = UploadConcurrency.For(new DeployOptions { UploadConcurrency = 8 }, uploads: 1_000);

        var limits = Run(limit, n => n / 0.050, 1_000);

        Assert.All(limits, l => Assert.Equal(8, l));
        Assert.Equal(8, limit.Ceiling);
    }

    [Fact]
    public void For_NoSetting_AdaptsFromTheInitialLimitUpToTheCeiling()
    {
        var limit = UploadConcurrency.For(new DeployOptions(), uploads: UploadConcurrency.ProbeLength + 1);

        Assert.Equal(UploadConcurrency.Initial, limit.Limit);
        Assert.Equal(UploadConcurrency.Max, limit.Ceiling);
        Assert.False(limit.Settled);
    }

    /// <summary>The probe would measure its first doubling after the last of these: they all go in one wave.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(UploadConcurrency.ProbeLength)]
    public void For_NoMoreUploadsThanTheProbeMeasures_SendsThemAllAtOnce(int uploads)
    {
        var limit = UploadConcurrency.For(new DeployOptions(), uploads);

        Assert.Equal(uploads, limit.Limit);
        Assert.True(limit.Settled);
    }

    /// <summary>
    /// The shortcut skips only what the probe could not do: on a link where every doubling pays, its first doubling
    /// comes with the last of that many completions, when nothing is left to send.
    /// </summary>
    [Fact]
    public void Adaptive_AsManyUploadsAsTheProbeMeasures_DoublesOnlyAtTheLast()
    {
        var limits = Run(UploadConcurrency.Adaptive(), n => n / 0.050, UploadConcurrency.ProbeLength);

        Assert.All(limits[..^1], l => Assert.Equal(UploadConcurrency.Initial, l));
        Assert.Equal(2 * UploadConcurrency.Initial, limits[^1]);
    }

    [Fact]
    public void For_NoSettingNothingToSend_IsOneSlot() => Assert.Equal(1, UploadConcurrency.For(new DeployOptions(), 0).Limit);

    /// <summary>Through the real deploy, the uploads in flight stay within the limit's own bounds (the tests above show where it goes).</summary>
    [Fact(Timeout = 120_000)]
    public async Task Deploy_AStoreThatTakesOneAtATime_DoesNotPileRequestsOnIt()
    {
        var link = await DeployManySmallFilesAsync(scales: false, new DeployOptions());

        Assert.InRange(link.Peak, 1, 2 * UploadConcurrency.Initial);
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_UploadConcurrencySet_IsTheMostInFlightEvenWhereMoreWouldCarryMore()
    {
        var link = await DeployManySmallFilesAsync(scales: true, new DeployOptions { UploadConcurrency = 6 });

        Assert.InRange(link.Peak, 1, 6);
    }

    private async Task<LinkStore> DeployManySmallFilesAsync(bool scales, DeployOptions options)
    {
        var site = _dir.Combine($"site-{Guid.NewGuid():n}");
        Directory.CreateDirectory(site);
        // Under the precompression floor: one PUT a file.
        for (var i = 0; i < 700; i++) File.WriteAllText(Path.Combine(site, $"page{i:000}.html"), $"<p>page {i}</p>");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var link = new LinkStore(new LocalDirectoryStore(_dir.Combine($"store-{Guid.NewGuid():n}")), clock, scales);
        var deployer = new Deployer(link, new CdnNotifier(new NoCdn(), false, Logger.None), options, clock, Logger.None);

        var result = await deployer.DeployAsync(new DeployRequest(site), null, CancellationToken.None);

        Assert.Equal(DeployOutcome.Live, result.Outcome);
        return link;
    }

    /// <summary>
    /// PUTs that take their time on a fake clock: over a link with a 50 ms round trip and room for any number at once, n in
    /// flight finish one every 50 ms / n (<paramref name="scales"/>); at a store that serves one at a time, one every 5 ms
    /// however many wait.
    /// </summary>
    private sealed class LinkStore(IObjectStore inner, FakeTimeProvider clock, bool scales) : DelegatingStore(inner)
    {
        private readonly Lock _lock = new();
        private int _inFlight;
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public override async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            lock (_lock) _peak = Math.Max(_peak, now);
            try
            {
                await Task.Yield();
                var result = await base.PutAsync(key, content, condition, cancellationToken);
                clock.Advance(scales ? TimeSpan.FromMilliseconds(50.0 / Volatile.Read(ref _inFlight)) : TimeSpan.FromMilliseconds(5));
                return result;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
