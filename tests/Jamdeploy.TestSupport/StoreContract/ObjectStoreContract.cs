using System.Text;
using Jamdeploy.Model;
using Jamdeploy.Storage;

namespace Jamdeploy.TestSupport.StoreContract;

/// <summary>
/// What every <see cref="IObjectStore"/> promises, as one suite each store runs by deriving from it
/// (the local directory store, S3 on moto). Each test asks for a fresh, empty store.
/// </summary>
public abstract class ObjectStoreContract
{
    // Only there to end a hang: the S3 run of this contract talks to moto, which a machine with every core
    // busy can slow several-fold.
    private const int Timeout = 300_000;

    /// <summary>A new, empty store for one test; disposed by the suite when it is disposable.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>How many keys the pagination test writes: more than the store's list page.</summary>
    protected virtual int PaginationKeyCount => 25;

    /// <summary>How many writers race in the compare-and-swap tests.</summary>
    protected virtual int RacingWriters => 8;

    // xunit makes one instance per test, so this bounds each test's store calls.
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMilliseconds(Timeout - 5_000));

    private CancellationToken Ct => _timeout.Token;

    [Fact(Timeout = Timeout)]
    public async Task Get_MissingKey_ReturnsNull()
    {
        await using var store = await OpenAsync();
        Assert.Null(await store.Value.GetAsync(StoreLayout.LiveKey, Ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task Head_MissingKey_ReturnsNull()
    {
        await using var store = await OpenAsync();
        Assert.Null(await store.Value.HeadAsync(Some.BlobKey("missing"), Ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task OpenRead_MissingKey_ReturnsNull()
    {
        await using var store = await OpenAsync();
        Assert.Null(await store.Value.OpenReadAsync(Some.BlobKey("missing"), null, Ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task Put_ThenGetAndHead_ReturnWhatWasWritten()
    {
        await using var store = await OpenAsync();
        var content = Some.Content("hello, store");

        var written = await store.Value.PutAsync(StoreLayout.LiveKey, content, WriteCondition.None, Ct);
        var read = await store.Value.GetAsync(StoreLayout.LiveKey, Ct);
        var head = await store.Value.HeadAsync(StoreLayout.LiveKey, Ct);

        Assert.True(written.Written);
        Assert.NotNull(written.ETag);
        Assert.Equal("hello, store", Encoding.UTF8.GetString(read!.Content));
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(content.Length, head!.Size);
        Assert.Equal(StoreLayout.LiveKey, head.Key);
        // ObjectInfo.ETag is optional (listings and heads of some stores carry none), but never a different tag.
        Assert.True(head.ETag is null || head.ETag == written.ETag, $"head tag {head.ETag}, written {written.ETag}");
    }

    [Fact(Timeout = Timeout)]
    public async Task Put_FromFile_StoresTheFileBytes()
    {
        await using var store = await OpenAsync();
        using var temp = new TempDirectory("contract");
        var bytes = Some.Bytes(200_000, seed: 3);
        var path = temp.Combine("file.bin");
        await File.WriteAllBytesAsync(path, bytes, Ct);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));

        await store.Value.PutAsync(key, ObjectContent.FromFile(path, bytes.Length, ContentHash.Of(bytes), "application/octet-stream", ObjectContent.ImmutableCacheControl), WriteCondition.IfAbsent, Ct);

        Assert.Equal(bytes, (await store.Value.GetAsync(key, Ct))!.Content);
    }

    [Fact(Timeout = Timeout)]
    public async Task Put_Overwrite_ReplacesContentAndTag()
    {
        await using var store = await OpenAsync();
        var first = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("one"), WriteCondition.None, Ct);
        var second = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("two"), WriteCondition.None, Ct);

        Assert.True(second.Written);
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal("two", Encoding.UTF8.GetString((await store.Value.GetAsync(StoreLayout.LiveKey, Ct))!.Content));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutIfAbsent_Twice_SecondIsRefusedAndFirstStays()
    {
        await using var store = await OpenAsync();
        var key = Some.ReleaseKey();

        var first = await store.Value.PutAsync(key, Some.Content("first"), WriteCondition.IfAbsent, Ct);
        var second = await store.Value.PutAsync(key, Some.Content("second"), WriteCondition.IfAbsent, Ct);

        Assert.True(first.Written);
        Assert.False(second.Written);
        Assert.Equal("first", Encoding.UTF8.GetString((await store.Value.GetAsync(key, Ct))!.Content));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutIfMatch_CurrentTag_Writes()
    {
        await using var store = await OpenAsync();
        var first = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("v1"), WriteCondition.IfAbsent, Ct);
        var read = await store.Value.GetAsync(StoreLayout.LiveKey, Ct);

        var swapped = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("v2"), WriteCondition.IfMatch(read!.ETag), Ct);
        var again = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("v3"), WriteCondition.IfMatch(swapped.ETag!), Ct);

        Assert.True(first.Written);
        Assert.True(swapped.Written);
        Assert.True(again.Written);
        Assert.Equal("v3", Encoding.UTF8.GetString((await store.Value.GetAsync(StoreLayout.LiveKey, Ct))!.Content));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutIfMatch_StaleTag_IsRefusedAndLeavesTheObject()
    {
        await using var store = await OpenAsync();
        var stale = (await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("v1"), WriteCondition.IfAbsent, Ct)).ETag!;
        await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("v2"), WriteCondition.IfMatch(stale), Ct);

        var late = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("late"), WriteCondition.IfMatch(stale), Ct);

        Assert.False(late.Written);
        Assert.Equal("v2", Encoding.UTF8.GetString((await store.Value.GetAsync(StoreLayout.LiveKey, Ct))!.Content));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutIfMatch_MissingKey_IsRefused()
    {
        await using var store = await OpenAsync();
        var tag = (await store.Value.PutAsync(Some.ReleaseKey(), Some.Content("elsewhere"), WriteCondition.None, Ct)).ETag!;

        var result = await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("v"), WriteCondition.IfMatch(tag), Ct);

        Assert.False(result.Written);
        Assert.Null(await store.Value.GetAsync(StoreLayout.LiveKey, Ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutIfMatch_WritersRacingFromOneTag_ExactlyOneWins()
    {
        await using var store = await OpenAsync();
        var tag = (await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("base"), WriteCondition.IfAbsent, Ct)).ETag!;
        using var start = new Barrier(RacingWriters);

        var results = await Task.WhenAll(Enumerable.Range(0, RacingWriters).Select(i => Task.Run(async () =>
        {
            start.SignalAndWait(Ct);
            return (Writer: i, Result: await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content($"writer {i}"), WriteCondition.IfMatch(tag), Ct));
        })));

        var winner = Assert.Single(results, r => r.Result.Written);
        Assert.Equal($"writer {winner.Writer}", Encoding.UTF8.GetString((await store.Value.GetAsync(StoreLayout.LiveKey, Ct))!.Content));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutIfAbsent_WritersRacing_ExactlyOneWins()
    {
        await using var store = await OpenAsync();
        using var start = new Barrier(RacingWriters);

        var results = await Task.WhenAll(Enumerable.Range(0, RacingWriters).Select(i => Task.Run(async () =>
        {
            start.SignalAndWait(Ct);
            return (Writer: i, Result: await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content($"writer {i}"), WriteCondition.IfAbsent, Ct));
        })));

        var winner = Assert.Single(results, r => r.Result.Written);
        Assert.Equal($"writer {winner.Writer}", Encoding.UTF8.GetString((await store.Value.GetAsync(StoreLayout.LiveKey, Ct))!.Content));
    }

    [Fact(Timeout = Timeout)]
    public async Task List_ManyKeys_ReturnsEveryKeyUnderThePrefixInOrder()
    {
        await using var store = await OpenAsync();
        var blobKeys = Enumerable.Range(0, PaginationKeyCount).Select(i => Some.BlobKey($"blob {i}")).ToList();
        foreach (var key in blobKeys) await store.Value.PutAsync(key, Some.Content(key), WriteCondition.None, Ct);
        await store.Value.PutAsync(Some.ReleaseKey(), Some.Content("{}"), WriteCondition.None, Ct);
        await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("{}"), WriteCondition.None, Ct);

        var listed = await Collect(store.Value.ListAsync(StoreLayout.BlobsPrefix, Ct));

        Assert.Equal(blobKeys.Order(StringComparer.Ordinal), listed.Select(o => o.Key));
        Assert.All(listed, o => Assert.Equal(Some.Content(o.Key).Length, o.Size));
    }

    [Fact(Timeout = Timeout)]
    public async Task List_NothingUnderThePrefix_ReturnsNothing()
    {
        await using var store = await OpenAsync();
        await store.Value.PutAsync(StoreLayout.LiveKey, Some.Content("{}"), WriteCondition.None, Ct);

        Assert.Empty(await Collect(store.Value.ListAsync(StoreLayout.ReleasesPrefix, Ct)));
    }

    [Fact(Timeout = Timeout)]
    public async Task Delete_PresentAndMissingKeys_RemovesThePresentOnes()
    {
        await using var store = await OpenAsync();
        var kept = Some.BlobKey("kept");
        var doomed = Some.BlobKey("doomed");
        await store.Value.PutAsync(kept, Some.Content("kept"), WriteCondition.None, Ct);
        await store.Value.PutAsync(doomed, Some.Content("doomed"), WriteCondition.None, Ct);

        await store.Value.DeleteAsync([doomed, Some.BlobKey("never written")], Ct);

        Assert.Null(await store.Value.HeadAsync(doomed, Ct));
        Assert.NotNull(await store.Value.HeadAsync(kept, Ct));
        Assert.Equal([kept], (await Collect(store.Value.ListAsync(StoreLayout.BlobsPrefix, Ct))).Select(o => o.Key));
    }

    [Fact(Timeout = Timeout)]
    public async Task Delete_NoKeys_DoesNothing()
    {
        await using var store = await OpenAsync();
        await store.Value.DeleteAsync([], Ct);
    }

    [Fact(Timeout = Timeout)]
    public async Task OpenRead_WithRange_ReturnsExactlyThoseBytes()
    {
        await using var store = await OpenAsync();
        var bytes = Some.Bytes(10_000, seed: 7);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));
        await store.Value.PutAsync(key, ObjectContent.FromBytes(bytes, "application/octet-stream"), WriteCondition.IfAbsent, Ct);

        await using var whole = await store.Value.OpenReadAsync(key, null, Ct);
        await using var middle = await store.Value.OpenReadAsync(key, new ByteRange(100, 4099), Ct);
        await using var tail = await store.Value.OpenReadAsync(key, new ByteRange(9_990, 9_999), Ct);

        Assert.Equal(bytes, await ReadAll(whole!));
        Assert.Equal(bytes[100..4100], await ReadAll(middle!));
        Assert.Equal(bytes[9_990..], await ReadAll(tail!));
    }

    private async Task<StoreLease> OpenAsync() => new(await CreateStoreAsync());

    private static async Task<List<ObjectInfo>> Collect(IAsyncEnumerable<ObjectInfo> items)
    {
        var list = new List<ObjectInfo>();
        await foreach (var item in items) list.Add(item);
        return list;
    }

    private async Task<byte[]> ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    /// <summary>Disposes the store after the test, whichever kind of disposable it is.</summary>
    private sealed class StoreLease(IObjectStore store) : IAsyncDisposable
    {
        public IObjectStore Value { get; } = store;

        public async ValueTask DisposeAsync()
        {
            if (Value is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
            else if (Value is IDisposable disposable) disposable.Dispose();
        }
    }

    /// <summary>Object mother for the contract: content, blob keys and release keys.</summary>
    private static class Some
    {
        public static ObjectContent Content(string text) => ObjectContent.FromBytes(Encoding.UTF8.GetBytes(text), "application/json");

        public static string BlobKey(string seed) => StoreLayout.Blob(ContentHash.Of(Encoding.UTF8.GetBytes(seed)));

        public static string ReleaseKey() => StoreLayout.Release(ReleaseId.New(DateTimeOffset.UtcNow));

        public static byte[] Bytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
