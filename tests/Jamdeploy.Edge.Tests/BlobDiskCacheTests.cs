using System.Net;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>Large blobs of a remote store: fetched once, served from local disk, bounded.</summary>
public sealed class BlobDiskCacheTests : IDisposable
{
    private const int BlobSize = 300_000;

    private readonly TempDirectory _directory = new("edge-disk-cache");

    public void Dispose() => _directory.Dispose();

    private ServeOptions Options(long maxDiskBytes = 4L << 30) => new()
    {
        BlobCache = new BlobCacheOptions { MaxBytes = 1 << 20, MaxBlobBytes = 64 * 1024, Directory = _directory.Combine("cache"), MaxDiskBytes = maxDiskBytes },
    };

    private static byte[] Blob()
    {
        var bytes = new byte[BlobSize];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    [Fact(Timeout = 30000)]
    public async Task ColdLargeBlob_ConcurrentRequests_OneStoreReadThenServedFromDisk()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        var blob = Blob();
        await new TestSite(store).DeployAsync([new SiteFile("/video.bin", blob, "application/octet-stream")]);
        var key = StoreLayout.Blob(ContentHash.Of(blob));
        var intercepting = new InterceptingStore(store);
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        intercepting.BeforeOpenRead = async k =>
        {
            if (k != key) return;
            opened.TrySetResult();
            await proceed.Task;
        };
        await using var edge = await RunningEdge.StartAsync(intercepting, Options());

        var first = edge.Client.GetByteArrayAsync("/video.bin");
        await opened.Task;
        var more = Enumerable.Range(0, 10).Select(_ => edge.Client.GetByteArrayAsync("/video.bin")).ToList();
        proceed.SetResult();
        var bodies = await Task.WhenAll([first, .. more]);
        using var range = new HttpRequestMessage(HttpMethod.Get, "/video.bin") { Headers = { { "Range", "bytes=1000-1999" } } };
        using var partial = await edge.Client.SendAsync(range);

        Assert.All(bodies, body => Assert.Equal(blob, body));
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(blob.AsSpan(1000, 1000).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, intercepting.OpenReads(key));
    }

    [Fact(Timeout = 30000)]
    public async Task GetPath_ConcurrentCallsForAColdBlob_OneFetch()
    {
        var blob = Blob();
        var hash = ContentHash.Of(blob);
        var fetches = 0;
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cache = new BlobDiskCache(_directory.Combine("cache"), 1 << 20);
        Func<ContentHash, Task<Stream>> open = async _ =>
        {
            Interlocked.Increment(ref fetches);
            await proceed.Task;
            return new MemoryStream(blob);
        };

        var waiting = Enumerable.Range(0, 20).Select(_ => cache.GetPathAsync(hash, blob.Length, open, CancellationToken.None)).ToList();
        proceed.SetResult();
        var paths = await Task.WhenAll(waiting);

        Assert.Equal(1, fetches);
        Assert.Single(paths.Distinct());
        Assert.Equal(blob, await File.ReadAllBytesAsync(paths[0]));
    }

    [Fact(Timeout = 30000)]
    public async Task GetPath_CachedFileDeletedUnderIt_FetchedAgain()
    {
        var blob = Blob();
        var hash = ContentHash.Of(blob);
        var fetches = 0;
        using var cache = new BlobDiskCache(_directory.Combine("cache"), 1 << 20);
        Func<ContentHash, Task<Stream>> open = _ =>
        {
            Interlocked.Increment(ref fetches);
            return Task.FromResult<Stream>(new MemoryStream(blob));
        };

        File.Delete(await cache.GetPathAsync(hash, blob.Length, open, CancellationToken.None));
        var path = await cache.GetPathAsync(hash, blob.Length, open, CancellationToken.None);

        Assert.Equal(2, fetches);
        Assert.Equal(blob, await File.ReadAllBytesAsync(path));
        Assert.Equal(blob.Length, cache.Bytes);
    }

    /// <summary>
    /// An eviction removes the entry, then deletes its file; a request between the two fetches the blob again.
    /// The late delete (done here by hand, as the cache does it: by the old entry's path) must not take the
    /// new file (it used to: every fetch of a blob wrote the same path).
    /// </summary>
    [Fact(Timeout = 30000)]
    public async Task GetPath_EvictedThenFetchedAgain_TheOldEntrysDeleteLeavesTheNewFile()
    {
        var blob = Blob();
        var other = Blob();
        using var cache = new BlobDiskCache(_directory.Combine("cache"), BlobSize + 1000);
        Func<ContentHash, Task<Stream>> Open(byte[] bytes) => _ => Task.FromResult<Stream>(new MemoryStream(bytes));

        var evicted = await cache.GetPathAsync(ContentHash.Of(blob), blob.Length, Open(blob), CancellationToken.None);
        await cache.GetPathAsync(ContentHash.Of(other), other.Length, Open(other), CancellationToken.None);
        var fetchedAgain = await cache.GetPathAsync(ContentHash.Of(blob), blob.Length, Open(blob), CancellationToken.None);
        File.Delete(evicted);

        Assert.Equal(blob, await File.ReadAllBytesAsync(fetchedAgain));
    }

    [Fact(Timeout = 30000)]
    public async Task GetPath_StoreReturnsOtherBytes_RefusedAndNotCached()
    {
        var blob = Blob();
        using var cache = new BlobDiskCache(_directory.Combine("cache"), 1 << 20);

        await Assert.ThrowsAsync<CorruptStoreException>(() =>
            cache.GetPathAsync(ContentHash.Of(blob), blob.Length, _ => Task.FromResult<Stream>(new MemoryStream(Blob())), CancellationToken.None));

        Assert.Equal(0, cache.Bytes);
        Assert.Empty(Directory.EnumerateFiles(_directory.Combine("cache"), "*", SearchOption.AllDirectories));
    }

    [Fact(Timeout = 30000)]
    public async Task ManyLargeBlobs_DiskUseStaysWithinTheBudget()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        var blobs = Enumerable.Range(0, 4).Select(_ => Blob()).ToList();
        await new TestSite(store).DeployAsync(blobs.Select((b, i) => new SiteFile($"/b{i}.bin", b, "application/octet-stream")));
        await using var edge = await RunningEdge.StartAsync(new InterceptingStore(store), Options(maxDiskBytes: 2 * BlobSize + 1000));

        for (var i = 0; i < blobs.Count; i++) Assert.Equal(blobs[i], await edge.Client.GetByteArrayAsync($"/b{i}.bin"));

        var cached = Directory.EnumerateFiles(_directory.Combine("cache"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(cached, BlobSize, 2 * BlobSize + 1000);
    }

    [Fact(Timeout = 30000)]
    public async Task Head_LargeBlob_DoesNotFetchIt()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        var blob = Blob();
        await new TestSite(store).DeployAsync([new SiteFile("/video.bin", blob, "application/octet-stream")]);
        var intercepting = new InterceptingStore(store);
        await using var edge = await RunningEdge.StartAsync(intercepting, Options());

        var head = await RawHttp.SendAsync(edge.Port, "HEAD", "/video.bin");

        Assert.Equal(200, head.Status);
        Assert.Contains($"Content-Length: {BlobSize}", head.Head);
        Assert.Equal(0, intercepting.OpenReads(StoreLayout.Blob(ContentHash.Of(blob))));
    }
}
