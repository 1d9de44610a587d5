using Jamdeploy.Manifests;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Releases;

/// <summary>The store lease that keeps cleanup's deletes and the flips to old releases apart.</summary>
public sealed class ReleaseLeaseTests : IDisposable
{
    private readonly TempDirectory _dir = new("lease");
    private readonly LocalDirectoryStore _store;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-24T08:00:00Z"));

    public ReleaseLeaseTests() => _store = new LocalDirectoryStore(_dir.Combine("store"));

    public void Dispose() => _dir.Dispose();

    private Task<ReleaseLease> AcquireAsync(string holder, TimeSpan? wait = null, Action<LeaseDocument>? waiting = null) =>
        ReleaseLease.AcquireAsync(_store, _clock, holder, wait ?? TimeSpan.Zero, waiting, Logger.None, CancellationToken.None);

    /// <summary>
    /// The wait is measured and slept on the clock the lease is given, as its expiry is: a waiter with five
    /// minutes to wait gives up once the fake clock has moved five minutes, with no real time passing (it
    /// used to poll with a Stopwatch and real delays, which no test could move on).
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task Acquire_WhileHeld_WaitsOnTheGivenClock_ThenFailsNamingTheHolder_AndTheFirstHolderKeepsIt()
    {
        var cleanup = await AcquireAsync("cleanup");
        var wait = TimeSpan.FromMinutes(5);
        var started = _clock.GetUtcNow();
        var told = new TaskCompletionSource<LeaseDocument>(TaskCreationOptions.RunContinuationsAsynchronously);

        var promote = AcquireAsync("promote r1", wait, held => told.TrySetResult(held));
        Assert.Equal("cleanup", (await told.Task).Holder);
        // The holder keeps its lease while the clock moves, as cleanup does while it works: only the waiter's own limit ends the wait.
        await _clock.AdvanceUntilDoneAsync(promote, TimeSpan.FromSeconds(10), () => cleanup.KeepAsync(CancellationToken.None));
        var e = await Assert.ThrowsAsync<JamdeployException>(() => promote);

        Assert.True(_clock.GetUtcNow() - started >= wait, $"gave up after {_clock.GetUtcNow() - started} of its {wait}");
        Assert.StartsWith("cleanup holds ", e.Message);
        Assert.Contains("nothing was changed", e.Message);
        await cleanup.KeepAsync(CancellationToken.None); // still ours: it would fail had the waiter taken it
        await cleanup.DisposeAsync();
    }

    [Fact(Timeout = 30_000)]
    public async Task Acquire_AfterTheHolderGaveItBack_Succeeds()
    {
        var first = await AcquireAsync("cleanup");
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = AcquireAsync("promote r1", ReleaseLease.Term, _ => told.TrySetResult());
        await told.Task;
        await first.DisposeAsync();

        await _clock.AdvanceUntilDoneAsync(waiting, TimeSpan.FromSeconds(1));
        await using var second = await waiting;

        Assert.Contains("promote r1", await File.ReadAllTextAsync(_dir.Combine("store", "lease.json")));
    }

    [Fact(Timeout = 30_000)]
    public async Task Acquire_LeaseOfAHolderThatDied_IsTakenOverOnceExpired_AndTheDeadHolderCannotGiveItBack()
    {
        var dead = await AcquireAsync("cleanup");
        await Assert.ThrowsAsync<JamdeployException>(() => AcquireAsync("promote r1"));
        _clock.Advance(ReleaseLease.Term + ReleaseLease.ClockSkew + TimeSpan.FromSeconds(1));

        await using var promote = await AcquireAsync("promote r1");
        await dead.DisposeAsync();

        Assert.Contains("promote r1", await File.ReadAllTextAsync(_dir.Combine("store", "lease.json")));
        var e = await Assert.ThrowsAsync<StoreException>(() => dead.KeepAsync(CancellationToken.None));
        Assert.Contains("lost", e.Message);
    }

    /// <summary>A cleanup killed by cron's timeout or kill -9 must not block the next run for minutes.</summary>
    [Fact(Timeout = 30_000)]
    public async Task Acquire_LeaseOfAProcessOnThisMachineThatIsGone_IsTakenOverAtOnce()
    {
        await using (await AcquireAsync("cleanup")) { }
        using var finished = System.Diagnostics.Process.Start("true")!;
        await finished.WaitForExitAsync();
        var documents = new ReleaseStore(_store);
        var released = (await documents.ReadLeaseAsync(CancellationToken.None))!;
        var dead = released.Document! with { Released = false, ProcessId = finished.Id, Expires = _clock.GetUtcNow() + ReleaseLease.Term };
        await documents.WriteLeaseAsync(dead, released.ETag, CancellationToken.None);

        await using var promote = await AcquireAsync("promote r1");

        Assert.Contains("promote r1", await File.ReadAllTextAsync(_dir.Combine("store", "lease.json")));
    }

    [Fact(Timeout = 30_000)]
    public async Task Keep_PastHalfItsTerm_ExtendsTheLease()
    {
        await using var lease = await AcquireAsync("cleanup");
        _clock.Advance(ReleaseLease.Term * 0.75);

        await lease.KeepAsync(CancellationToken.None);
        _clock.Advance(ReleaseLease.Term * 0.75);

        await Assert.ThrowsAsync<JamdeployException>(() => AcquireAsync("promote r1"));
    }
    /// <summary>
    /// A lease no jamdeploy could have written holds nothing and is taken over; a lease of a newer format is
    /// some newer jamdeploy's, whose rules this one does not know: it is refused, never taken over (it used to
    /// be read as if it were this version's, and taken over when it said released).
    /// </summary>
    [Theory(Timeout = 30_000)]
    [InlineData("", true)]
    [InlineData("null", true)]
    [InlineData("{\"holder\": 42}", true)]
    [InlineData("{\"format\": 2, \"holder\": \"cleanup\", \"released\": true}", false)]
    public async Task Acquire_UnreadableLease_IsTakenOver_ButANewerFormatIsRefused(string lease, bool takenOver)
    {
        var path = _dir.Combine("store", "lease.json");
        await _store.PutAsync(StoreLayout.LeaseKey, ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes(lease), "application/json"), WriteCondition.None, CancellationToken.None);

        if (takenOver)
        {
            await using var promote = await AcquireAsync("promote r1");
            Assert.Contains("promote r1", await File.ReadAllTextAsync(path));
            return;
        }
        var e = await Assert.ThrowsAsync<CorruptStoreException>(() => AcquireAsync("promote r1"));
        Assert.Equal($"{new ReleaseStore(_store).Where(StoreLayout.LeaseKey)}: store lease format 2 is not supported by this jamdeploy (expects 1)", e.Message);
        Assert.Equal(lease, await File.ReadAllTextAsync(path));
    }
}
