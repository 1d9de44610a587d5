using System.Text;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;
using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>Transient faults injected as an HTTP layer around the real client talking to moto.</summary>
public sealed class S3FaultTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(55)).Token;

    [Fact(Timeout = 60_000)]
    public async Task Put_BodyCorruptedOnTheWay_IsRejectedByItsChecksumAndSentAgainIntact()
    {
        var puts = 0;
        var faults = new FaultInjectingHandler(r => r.Method == HttpMethod.Put && Interlocked.Increment(ref puts) == 1 ? Fault.CorruptBody : null, verifyChecksums: true);
        var wire = new RecordingHandler { InnerHandler = faults };
        using var store = await _s3.NewStoreAsync(wire);
        using var temp = new TempDirectory("corrupt");
        var bytes = Encoding.UTF8.GetBytes(new string('x', 100_000));
        var path = temp.Combine("page.html");
        await File.WriteAllBytesAsync(path, bytes, _ct);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));

        var result = await store.PutAsync(key, ObjectContent.FromFile(path, bytes.Length, ContentHash.Of(bytes), "text/html"), WriteCondition.IfAbsent, _ct);

        Assert.True(result.Written);
        Assert.Equal([System.Net.HttpStatusCode.BadRequest, System.Net.HttpStatusCode.OK], wire.Requests.Where(r => r.Method == "PUT").Select(r => r.Status));
        Assert.Equal(bytes, (await store.GetAsync(key, _ct))!.Content);
    }

    [Fact(Timeout = 60_000)]
    public async Task Put_BodyAlwaysCorrupted_FailsWithOneLineAndStoresNothing()
    {
        var faults = new FaultInjectingHandler(r => r.Method == HttpMethod.Put ? Fault.CorruptBody : null, verifyChecksums: true);
        using var store = await _s3.NewStoreAsync(faults, o => o with { MaxRetryAttempts = 2 });
        var bytes = "the real content"u8.ToArray();
        var key = StoreLayout.Blob(ContentHash.Of(bytes));

        var error = await Assert.ThrowsAsync<StoreException>(() => store.PutAsync(key, ObjectContent.FromBytes(bytes, "text/plain"), WriteCondition.IfAbsent, _ct));

        Assert.Contains("BadDigest", error.Message);
        Assert.Contains(store.Options.Location.Bucket, error.Message);
        Assert.Equal(3, faults.Injected);
        Assert.Null(await store.HeadAsync(key, _ct));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Fault.InternalError)]
    [InlineData(Fault.SlowDown)]
    [InlineData(Fault.ResetBeforeSend)]
    [InlineData(Fault.ResetAfterSend)]
    [InlineData(Fault.Stall)]
    public async Task EveryOperation_FirstAttemptFails_IsRetriedAndSucceeds(Fault fault)
    {
        var failNext = true;
        var clock = new FakeTimeProvider();
        var faults = new FaultInjectingHandler(_ => Interlocked.Exchange(ref failNext, false) ? fault : null, stallClock: clock);
        var wire = new RecordingHandler { InnerHandler = faults };
        using var store = await _s3.NewStoreAsync(wire, clock: clock);
        var bytes = "retried"u8.ToArray();
        var key = StoreLayout.Blob(ContentHash.Of(bytes));

        // One fault costs exactly one more request: no hidden retry layer multiplies it.
        async Task Arm(Func<Task> operation)
        {
            wire.Clear();
            failNext = true;
            await operation();
            Assert.False(failNext);
            Assert.Equal(2, wire.Count);
        }

        await Arm(() => store.PutAsync(key, ObjectContent.FromBytes(bytes, "text/plain"), WriteCondition.None, _ct));
        await Arm(async () => Assert.Equal(bytes, (await store.GetAsync(key, _ct))!.Content));
        await Arm(async () => Assert.NotNull(await store.HeadAsync(key, _ct)));
        await Arm(async () => { await foreach (var _ in store.ListAsync(StoreLayout.BlobsPrefix, _ct)) { } });
        await Arm(() => store.DeleteAsync([key], _ct));
        Assert.Null(await store.HeadAsync(key, _ct));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConditionalPut_AnswerLostAfterItLanded_IsReportedAsWritten(bool swap)
    {
        // The first attempt reaches the store and its answer is lost; the retry then fails its own condition.
        // That must not read as a lost race (a false exit 4 with our release live).
        var armed = false;
        var faults = new FaultInjectingHandler(r => r.Method == HttpMethod.Put && Interlocked.Exchange(ref armed, false) ? Fault.ResetAfterSend : null);
        var wire = new RecordingHandler { InnerHandler = faults };
        using var store = await _s3.NewStoreAsync(wire);
        var before = swap ? (await store.PutAsync(StoreLayout.LiveKey, Pointer("before"), WriteCondition.IfAbsent, _ct)).ETag : null;

        armed = true;
        var result = await store.PutAsync(StoreLayout.LiveKey, Pointer("ours"), WriteCondition.Expecting(before), _ct);

        Assert.True(result.Written);
        Assert.Equal(["PUT", "PUT", "HEAD"], wire.Requests.TakeLast(3).Select(r => r.Method));
        var stored = await store.GetAsync(StoreLayout.LiveKey, _ct);
        Assert.Equal("ours", Encoding.UTF8.GetString(stored!.Content));
        Assert.Equal(stored.ETag, result.ETag);
    }

    [Fact(Timeout = 60_000)]
    public async Task ConditionalPut_AnotherWriterWonWhileWeRetried_IsNotWritten()
    {
        var store = await _s3.NewStoreAsync();
        var tag = (await store.PutAsync(StoreLayout.LiveKey, Pointer("base"), WriteCondition.IfAbsent, _ct)).ETag!;
        var attempts = 0;
        var faults = new FaultInjectingHandler(r =>
        {
            if (r.Method != HttpMethod.Put || Interlocked.Increment(ref attempts) != 1) return null;
            // Someone else swaps in before our retry.
            store.PutAsync(StoreLayout.LiveKey, Pointer("theirs"), WriteCondition.IfMatch(tag), CancellationToken.None).GetAwaiter().GetResult();
            return Fault.ResetBeforeSend;
        });
        using var racing = _s3.Store(store.Options, faults);

        var result = await racing.PutAsync(StoreLayout.LiveKey, Pointer("ours"), WriteCondition.IfMatch(tag), _ct);

        Assert.False(result.Written);
        Assert.Equal("theirs", Encoding.UTF8.GetString((await store.GetAsync(StoreLayout.LiveKey, _ct))!.Content));
        store.Dispose();
    }

    [Theory(Timeout = 60_000)]
    [InlineData(1, true)]
    [InlineData(99, false)]
    public async Task ConditionalPut_ConcurrentConditionalWrite409_IsRetriedThenTakenAsAFailedCondition(int conflicts, bool written)
    {
        var left = conflicts;
        var faults = new FaultInjectingHandler(r => r.Method == HttpMethod.Put && Interlocked.Decrement(ref left) >= 0 ? Fault.ConditionalConflict : null);
        using var store = await _s3.NewStoreAsync(faults, o => o with { MaxRetryAttempts = 2 });

        var result = await store.PutAsync(StoreLayout.LiveKey, Pointer("ours"), WriteCondition.IfAbsent, _ct);

        Assert.Equal(written, result.Written);
        Assert.Equal(Math.Min(conflicts, 3), faults.Injected);
    }

    [Fact(Timeout = 30_000)]
    public async Task Get_StalledAndCancelled_EndsPromptlyAsCancelled()
    {
        var faults = new FaultInjectingHandler(_ => Fault.Stall);
        using var store = await _s3.NewStoreAsync(faults, o => o with { RequestTimeout = TimeSpan.FromMinutes(5) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync(StoreLayout.LiveKey, cancel.Token));
    }

    private static ObjectContent Pointer(string text) => ObjectContent.FromBytes(Encoding.UTF8.GetBytes(text), "application/json");
}
