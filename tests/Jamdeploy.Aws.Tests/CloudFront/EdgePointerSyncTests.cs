using System.Collections.Immutable;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Cdn;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Aws.Tests.Signing;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.Cdn;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>
/// The convergence loop (read the edge version, then live.json, then write with If-Match) against the fake
/// KeyValueStore and a real local store: the edge ends naming what live.json names, whatever the interleaving.
/// </summary>
public sealed class EdgePointerSyncTests : IAsyncLifetime, IDisposable
{
    private const int Timeout = 60_000;
    private const string Key = "site:live";
    private readonly TempDirectory _dir = new();
    private FakeKeyValueStore _kvs = null!;
    private ReleaseStore _releases = null!;

    public async Task InitializeAsync()
    {
        _kvs = await FakeKeyValueStore.StartAsync();
        _releases = new ReleaseStore(new LocalDirectoryStore(_dir.Combine("store")));
    }

    public async Task DisposeAsync() => await _kvs.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    private EdgePointerSync Sync(Func<KeyValueStoreOptions, KeyValueStoreOptions>? adjust = null)
    {
        var options = new KeyValueStoreOptions { Arn = _kvs.Arn, Endpoint = new Uri(_kvs.Endpoint) };
        var client = KeyValueStoreClient.Create(adjust?.Invoke(options) ?? options,
            new FixedCredentialsSource(FakeKeyValueStore.TestCredentials), TimeProvider.System, Serilog.Core.Logger.None);
        return new EdgePointerSync(new KeyValueStoreEdgePointer(client, Key), _releases, Serilog.Core.Logger.None);
    }

    private async Task<ReleaseId> FlipAsync(string name)
    {
        var id = ReleaseId.Parse(name);
        var state = await _releases.ReadLiveAsync(CancellationToken.None);
        var next = state.Pointer is null ? LivePointer.First(id, DateTimeOffset.UtcNow, FlipAction.Deploy) : state.Pointer.MoveTo(id, DateTimeOffset.UtcNow, FlipAction.Deploy);
        Assert.True((await _releases.WritePointerAsync(next, state.ETag, CancellationToken.None)).Written);
        return id;
    }

    [Fact(Timeout = Timeout)]
    public async Task Sync_EdgeBehind_WritesLiveReleaseInThreeRequests()
    {
        var live = await FlipAsync("r1");

        var result = await Sync().SyncAsync(CancellationToken.None);

        Assert.True(result.Written);
        Assert.True(result.InSync);
        Assert.Equal(live.Value, _kvs.Value(Key));
        // The flip's cost at the edge: DescribeKeyValueStore, GetKey, PutKey.
        Assert.Equal(["DescribeKeyValueStore", "GetKey", "PutKey"], _kvs.Requests.Select(r => r.Operation));
    }

    [Fact(Timeout = Timeout)]
    public async Task Sync_AlreadyEqual_WritesNothing()
    {
        var live = await FlipAsync("r1");
        _kvs.Set(Key, live.Value);

        var result = await Sync().SyncAsync(CancellationToken.None);

        Assert.False(result.Written);
        Assert.True(result.InSync);
        Assert.Equal(0, _kvs.Count("PutKey"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Sync_StaleWriterPausedBeforeItsWrite_LosesAndConvergesToNewerFlip()
    {
        // A flips to r1 and reads (edge version v, live r1); before A writes, B flips to r2 and syncs. Writing
        // "my own target" (or anything under a version read after B's write) would leave the edge at r1 while
        // live.json says r2. A's write under v must lose, and A must re-read and find r2.
        await FlipAsync("r1");
        var aReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var puts = 0;
        _kvs.BeforeHandling = async operation =>
        {
            if (operation == "PutKey" && Interlocked.Increment(ref puts) == 1)
            {
                aReady.SetResult();
                await releaseA.Task;
            }
        };
        var a = Sync().SyncAsync(CancellationToken.None);
        await aReady.Task;

        var r2 = await FlipAsync("r2");
        var b = await Sync().SyncAsync(CancellationToken.None);
        releaseA.SetResult();
        var resultA = await a;

        Assert.True(b.Written);
        Assert.Equal(r2.Value, _kvs.Value(Key));
        Assert.Equal(r2, resultA.Live);
        Assert.True(resultA.InSync);
        Assert.Contains(_kvs.Requests, r => r is { Operation: "PutKey", Status: 409 });
    }

    [Fact(Timeout = Timeout)]
    public async Task Sync_EightWritersRacingFlips_EdgeEndsEqualToLive()
    {
        var flips = Enumerable.Range(1, 8).Select(async i =>
        {
            // Each writer flips (compare-and-swap, retried on a lost race as --force does) and then syncs.
            while (true)
            {
                var state = await _releases.ReadLiveAsync(CancellationToken.None);
                var id = ReleaseId.Parse($"r{i}");
                var next = state.Pointer is null ? LivePointer.First(id, DateTimeOffset.UtcNow, FlipAction.Deploy) : state.Pointer.MoveTo(id, DateTimeOffset.UtcNow, FlipAction.Deploy);
                if ((await _releases.WritePointerAsync(next, state.ETag, CancellationToken.None)).Written) break;
            }
            await Sync().SyncAsync(CancellationToken.None);
        });

        await Task.WhenAll(flips);

        var live = await _releases.ReadLiveAsync(CancellationToken.None);
        Assert.Equal(live.Live!.Value.Value, _kvs.Value(Key));
        Assert.Equal(8, live.Pointer!.History.Count);
    }

    [Fact(Timeout = Timeout)]
    public async Task Compare_EdgeDisagrees_ReportsBothWithoutWriting()
    {
        await FlipAsync("r2");
        _kvs.Set(Key, "r1");

        var result = await Sync().CompareAsync(CancellationToken.None);

        Assert.False(result.InSync);
        Assert.Equal("r1", result.EdgeValue);
        Assert.Equal("r2", result.Live!.Value.Value);
        Assert.Equal(0, _kvs.Count("PutKey"));
    }

    [Fact(Timeout = Timeout)]
    public async Task KeyValueStoreNeverAnswers_AfterAFlip_IsExit3NamingSyncEdge_NotACancellation()
    {
        // HttpClient's own timeout surfaces as a TaskCanceledException; unasked-for, it must read as a failed
        // edge write (exit 3, `jamdeploy sync-edge`), not as Ctrl+C (exit 130), on the flip and on the repair.
        var live = await FlipAsync("r1");
        var answer = new TaskCompletionSource();
        _kvs.BeforeHandling = _ => answer.Task;
        var edge = Sync(o => o with { RequestTimeout = TimeSpan.FromMilliseconds(200), MaxRetries = 0 });
        var notifier = new CdnNotifier(new NoCdn(), wait: false, Serilog.Core.Logger.None) { Edge = edge };
        var release = new Manifest(live, DateTimeOffset.UnixEpoch, ImmutableSortedDictionary<string, ManifestEntry>.Empty.WithComparers(StringComparer.Ordinal));
        try
        {
            var flipped = await Assert.ThrowsAsync<EdgePointerFailedException>(() => notifier.AfterFlipAsync(_ => Task.FromResult<Manifest?>(null), release, null, CancellationToken.None));
            var repaired = await Assert.ThrowsAsync<EdgePointerFailedException>(() => notifier.RepairEdgeAsync(live, CancellationToken.None));

            foreach (var e in new[] { flipped, repaired })
            {
                Assert.Equal(ExitCodes.InvalidationFailed, e.ExitCode);
                Assert.Contains("did not answer within", e.Message);
                Assert.Contains("`jamdeploy sync-edge`", e.Message);
            }
        }
        finally
        {
            answer.SetResult();
        }
        Assert.Null(_kvs.Value(Key));
    }
}
