using System.Security.Cryptography;
using Jamdeploy.Cdn;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;
using Xunit.Abstractions;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>
/// The deploy pipeline on the S3 store, with the requests counted (and faults injected) by an HTTP
/// handler around the real client: what a redeploy costs, and what survives a flaky store.
/// </summary>
[RunsLong(34)]
public sealed class S3DeployTests(MotoServer moto, ITestOutputHelper output) : IDisposable, IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);
    private readonly TempDirectory _workspace = new("s3deploy");
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(280)).Token;

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task Redeploy_TenThousandFiles_NoChangeIsAtMostFiveRequestsAndOnePercentSendsOnlyTheChangedBlobs()
    {
        const int files = 10_000;
        const int changed = files / 100;
        // 1,000 distinct contents shared by 10,000 files: the costs measured depend on the file count, and
        // moto takes over a minute to accept 10,000 first uploads (scripts/bench-s3.sh does that).
        const int contents = 1_000;
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var site = _workspace.Combine("site");
        for (var i = 0; i < files; i++) Write(site, i, $"content {i % contents}");
        await DeployAsync(store, site);

        wire.Clear();
        var noop = await DeployAsync(store, site);
        output.WriteLine($"no-op redeploy of {files} files: {wire.Count} requests ({wire.Summary()})");
        Assert.Equal(DeployOutcome.Unchanged, noop.Outcome);
        Assert.InRange(wire.Count, 1, 5);

        for (var i = 0; i < changed; i++) Write(site, i * 100, $"file {i * 100} v2");
        wire.Clear();
        var onePercent = await DeployAsync(store, site);
        output.WriteLine($"1%-changed redeploy: {wire.Count} requests ({wire.Summary()}), {wire.BytesSent} bytes sent");

        Assert.Equal(DeployOutcome.Live, onePercent.Outcome);
        var blobPuts = wire.Requests.Where(r => r.Method == "PUT" && r.Key.Contains("/blobs/", StringComparison.Ordinal)).ToList();
        Assert.Equal(changed, blobPuts.Count);
        Assert.Equal(changed, blobPuts.Select(r => r.Key).Distinct().Count());
        // Besides the blobs: read pointer and live manifest, find what a past deploy left (one listing of
        // ceil(blobs / 1000) pages, or a HEAD per candidate, whichever waits for fewer round trips), write manifest and pointer;
        // and the store lease that keeps a cleanup's deletions apart from the flip: read beside the live
        // manifest, taken beside the manifest write, given back after the flip (Releases/DeletionWatch.cs).
        var planning = Math.Min(changed, (contents + changed + 999) / 1000);
        Assert.InRange(wire.Count - changed, 7, 7 + planning);
    }

    /// <summary>
    /// Issue #16: a small change waits for no look at the store before it sends. Its blobs go with If-None-Match, and
    /// one an interrupted deploy stored already is answered 412 by S3: not stored twice, reported as reused. Besides the
    /// blobs, only the documents every deploy reads and writes: pointer; live manifest and lease; manifest and lease;
    /// pointer; lease. Before, a round of HEADs came first, one round trip more. (A live release of over 1,000 blobs:
    /// beside a smaller one, a single listing page is the look, and it is kept for what else it sees.)
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Redeploy_FewFilesChanged_SendsThemWithConditionalWritesAndNoHeadOrListing()
    {
        const int files = 1_100, changed = 5;
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var site = _workspace.Combine("site");
        for (var i = 0; i < files; i++) Write(site, i, $"content {i}");
        await DeployAsync(store, site);
        for (var i = 0; i < changed; i++) Write(site, i * 200, $"content {i * 200}, edited");
        var arrived = ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes("content 0, edited"), "text/html");
        await store.PutAsync(StoreLayout.Blob(arrived.Sha256), arrived, WriteCondition.IfAbsent, _ct);

        wire.Clear();
        var result = await DeployAsync(store, site);
        output.WriteLine($"{changed} of {files} files changed: {wire.Count} requests ({wire.Summary()})");

        Assert.Equal(DeployOutcome.Live, result.Outcome);
        Assert.Equal(changed - 1, result.UploadedBlobs);
        Assert.DoesNotContain(wire.Requests, r => r.Method == "HEAD" || r.Query.Contains("list-type", StringComparison.Ordinal));
        var blobPuts = wire.Requests.Where(r => r.Method == "PUT" && r.Key.Contains("/blobs/", StringComparison.Ordinal)).ToList();
        Assert.Equal(changed, blobPuts.Count);
        Assert.All(blobPuts, r => Assert.Equal("*", r.Header("If-None-Match")));
        Assert.Equal(System.Net.HttpStatusCode.PreconditionFailed, Assert.Single(blobPuts, r => r.Key.EndsWith(arrived.Sha256.Hex, StringComparison.Ordinal)).Status);
        Assert.Equal(3 + changed + 4, wire.Count);
        await AssertManifestMatchesFolderAsync(store, result.Release, site);
    }

    [Fact(Timeout = 300_000)]
    public async Task Deploy_TwentyTimesWithTenPercentOfRequestsFailing_EachCompletesOrFailsCleanlyAndEveryBlobIsIntact()
    {
        const int deploys = 20;
        var clock = new FakeTimeProvider();
        var faults = FaultInjectingHandler.Random(0.10, seed: 20261124, clock,
            Fault.InternalError, Fault.SlowDown, Fault.ResetBeforeSend, Fault.ResetAfterSend, Fault.Stall);
        // One retry only, so some deploys do fail and the clean-failure path is exercised too.
        using var store = await _s3.NewStoreAsync(faults, o => o with { MaxRetryAttempts = 1 }, clock: clock);
        // The reader checks the outcome: no faults, and its own production retries and timeouts.
        using var reader = _s3.Store(_s3.Options(store.Options.Location.Bucket, store.Options.Location.Prefix));
        var site = _workspace.Combine("site");
        for (var i = 0; i < 40; i++) Write(site, i, $"file {i} base");
        var outcomes = new List<string>();

        for (var round = 0; round < deploys; round++)
        {
            for (var i = 0; i < 4; i++) Write(site, (round * 7 + i * 11) % 40, $"file {i} round {round}");
            var before = await reader.GetAsync(StoreLayout.LiveKey, _ct);
            try
            {
                var result = await DeployAsync(store, site);
                var live = await new ReleaseStore(reader).ReadLiveAsync(_ct);
                Assert.Equal(result.Release, live.Live);
                await AssertManifestMatchesFolderAsync(reader, result.Release, site);
                outcomes.Add("live");
            }
            catch (JamdeployException e) when (e is StoreException)
            {
                // When the pointer write and the read-back both fail, the flip may or may not have landed;
                // the deploy says exactly that instead of claiming either.
                if (e.Message.StartsWith("could not tell whether", StringComparison.Ordinal))
                {
                    outcomes.Add("unknown, said so");
                    continue;
                }
                var after = await reader.GetAsync(StoreLayout.LiveKey, _ct);
                Assert.Equal(before?.Content, after?.Content);
                outcomes.Add("failed cleanly");
            }
        }

        output.WriteLine($"{faults.Injected} faults injected; outcomes: {string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.Contains("live", outcomes);
        await foreach (var release in reader.ListAsync(StoreLayout.ReleasesPrefix, _ct))
        {
            Assert.True(StoreLayout.TryParseRelease(release.Key, out var id));
            var manifest = await new ReleaseStore(reader).TryReadManifestAsync(id, _ct);
            foreach (var hash in manifest!.Blobs)
            {
                var blob = await reader.GetAsync(StoreLayout.Blob(hash), _ct);
                Assert.NotNull(blob);
                Assert.Equal(hash, ContentHash.Of(blob.Content));
            }
        }
    }

    /// <summary>
    /// The pointer write reaches S3 but its answer is lost, and no retry is left: the deploy reads the pointer
    /// back, finds its own flip there and reports the release live, not a failure that leaves it unchanged.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Deploy_PointerWriteLandsButItsAnswerIsLost_ReadsItBackAndReportsTheReleaseLive()
    {
        var loseNextPointerAnswer = false;
        var faults = new FaultInjectingHandler(r =>
            r.Method == HttpMethod.Put && r.RequestUri!.AbsolutePath.EndsWith("/live.json", StringComparison.Ordinal) && Interlocked.Exchange(ref loseNextPointerAnswer, false)
                ? Fault.ResetAfterSend
                : null);
        using var store = await _s3.NewStoreAsync(faults, o => o with { MaxRetryAttempts = 0 });
        var site = _workspace.Combine("site");
        for (var i = 0; i < 5; i++) Write(site, i, $"file {i} v1");
        var first = await DeployAsync(store, site);
        Write(site, 0, "file 0 v2");

        loseNextPointerAnswer = true;
        var second = await DeployAsync(store, site);

        Assert.Equal(1, faults.Injected);
        Assert.Equal(DeployOutcome.Live, second.Outcome);
        Assert.Equal(first.Release, second.PreviousLive);
        var live = await new ReleaseStore(store).ReadLiveAsync(_ct);
        Assert.Equal(second.Release, live.Live);
    }

    private async Task<DeployResult> DeployAsync(IObjectStore store, string folder)
    {
        var deployer = new Deployer(store, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None);
        return await deployer.DeployAsync(new DeployRequest(folder), null, _ct);
    }

    private async Task AssertManifestMatchesFolderAsync(IObjectStore store, ReleaseId release, string folder)
    {
        var manifest = await new ReleaseStore(store).TryReadManifestAsync(release, _ct);
        foreach (var (path, entry) in manifest!.Files)
            Assert.Equal(entry.Hash, ContentHash.FromBytes(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(folder, path.TrimStart('/')), _ct))));
    }

    private static void Write(string root, int index, string content)
    {
        var path = Path.Combine(root, $"d{index % 50}", $"page{index}.html");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
