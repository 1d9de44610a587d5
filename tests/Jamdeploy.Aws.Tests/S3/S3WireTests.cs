using System.Security.Cryptography;
using System.Text;
using Jamdeploy.Aws.S3;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>What the store puts on the wire, seen through a recording handler around the real client.</summary>
public sealed class S3WireTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(55)).Token;

    [Fact(Timeout = 60_000)]
    public async Task Put_Blob_SendsItsSha256AsChecksumAndCacheControl()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var bytes = Encoding.UTF8.GetBytes("body { color: red }");
        var hash = ContentHash.Of(bytes);

        await store.PutAsync(StoreLayout.Blob(hash), ObjectContent.FromBytes(bytes, "text/css", ObjectContent.ImmutableCacheControl), WriteCondition.IfAbsent, _ct);

        var put = Assert.Single(wire.Requests, r => r.Method == "PUT");
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), put.Header("x-amz-checksum-sha256"));
        Assert.Equal(ObjectContent.ImmutableCacheControl, put.Header("cache-control"));
        Assert.Equal("text/css", put.Header("content-type"));
        Assert.Equal("*", put.Header("if-none-match"));
        Assert.Equal(bytes.Length.ToString(), put.Header("x-amz-decoded-content-length") ?? put.BodyBytes.ToString());
    }

    /// <summary>
    /// A HEAD of a missing key is an answer, not an SDK exception: every exception leaving the SDK has its stack trace
    /// formatted (~2 ms of CPU in the native tool), and a deploy that looks its new blobs up finds most of them missing.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Head_MissingKey_IsNullWithoutAnSdkException()
    {
        using var store = await _s3.NewStoreAsync(new RecordingHandler());
        var inThisTest = new AsyncLocal<bool>();
        var sdkExceptions = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (inThisTest.Value && e.Exception is Amazon.Runtime.AmazonServiceException) Interlocked.Increment(ref sdkExceptions);
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            inThisTest.Value = true;
            Assert.Null(await store.HeadAsync(StoreLayout.Blob(ContentHash.Of("never stored"u8.ToArray())), _ct));
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, sdkExceptions);
    }

    /// <summary>
    /// Waiting for 100 Continue is a round trip per PUT: a small body goes with its headers, a large one still
    /// waits, so a refused write of it sends nothing.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Put_SmallBody_GoesWithoutWaitingFor100ContinueALargeOneWaits()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var small = RandomBytes(10_000);
        var large = RandomBytes((int)(2 * S3StoreOptions.MiB) + 1);

        await store.PutAsync(StoreLayout.Blob(ContentHash.Of(small)), ObjectContent.FromBytes(small, "text/html"), WriteCondition.IfAbsent, _ct);
        await store.PutAsync(StoreLayout.Blob(ContentHash.Of(large)), ObjectContent.FromBytes(large, "image/png"), WriteCondition.IfAbsent, _ct);

        var puts = wire.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal(2, puts.Count);
        Assert.Null(puts.Single(p => p.BodyBytes == small.Length).Header("expect"));
        Assert.Equal("100-continue", puts.Single(p => p.BodyBytes == large.Length).Header("expect"));
    }

    /// <summary>
    /// Over plain HTTP SigV4 signs the body's SHA-256, in one pass over it: not in aws-chunked frames, each hashed
    /// and signed again, which also make the body longer.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Put_OverHttp_SignsTheBodyInOnePassNotInAwsChunkedFrames()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var bytes = RandomBytes(200_000);

        await store.PutAsync(StoreLayout.Blob(ContentHash.Of(bytes)), ObjectContent.FromBytes(bytes, "text/html"), WriteCondition.IfAbsent, _ct);

        var put = Assert.Single(wire.Requests, r => r.Method == "PUT");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), put.Header("x-amz-content-sha256"));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), put.Header("x-amz-checksum-sha256"));
        Assert.DoesNotContain("aws-chunked", put.Header("content-encoding") ?? "");
        Assert.Equal(bytes.Length, put.BodyBytes);
    }

    /// <summary>
    /// Over HTTPS (S3 itself) nothing is hashed again: the body goes unsigned, and the SHA-256 the deploy computed,
    /// sent as the object checksum, is what makes the store refuse a body damaged on the way.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Put_OverHttps_SendsAnUnsignedBodyWithItsChecksumAndADamagedOneIsRefused()
    {
        var puts = 0;
        var faults = new FaultInjectingHandler(r => r.Method == HttpMethod.Put && Interlocked.Increment(ref puts) == 1 ? Fault.CorruptBody : null, verifyChecksums: true)
        {
            InnerHandler = new HttpsToMoto(),
        };
        var wire = new RecordingHandler { InnerHandler = faults };
        using var store = await _s3.NewStoreAsync(wire, o => o with { EndpointUrl = HttpsToMoto.HttpsEndpoint(o.EndpointUrl!) });
        var bytes = RandomBytes(100_000);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));

        var result = await store.PutAsync(key, ObjectContent.FromBytes(bytes, "text/html"), WriteCondition.IfAbsent, _ct);

        Assert.True(result.Written);
        var sent = wire.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal([System.Net.HttpStatusCode.BadRequest, System.Net.HttpStatusCode.OK], sent.Select(r => r.Status));
        Assert.All(sent, put =>
        {
            Assert.Equal("UNSIGNED-PAYLOAD", put.Header("x-amz-content-sha256"));
            Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), put.Header("x-amz-checksum-sha256"));
            Assert.DoesNotContain("aws-chunked", put.Header("content-encoding") ?? "");
        });
        Assert.Equal(bytes, (await store.GetAsync(key, _ct))!.Content);
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_ObjectWrittenWithChecksum_IsValidatedAgainstTheStoredChecksum()
    {
        // moto stores the checksum we send and returns it with checksum mode on; the SDK then validates the
        // body against it, so a wrong header value would fail this read.
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var bytes = RandomBytes(50_000);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));
        await store.PutAsync(key, ObjectContent.FromBytes(bytes, "application/octet-stream"), WriteCondition.None, _ct);

        var read = await store.GetAsync(key, _ct);

        Assert.Equal(bytes, read!.Content);
        Assert.Equal("ENABLED", wire.Requests.Last().Header("x-amz-checksum-mode"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Put_IfMatch_SendsTheTagReadAtPlanTime()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var first = await store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes("{}"u8.ToArray(), "application/json"), WriteCondition.IfAbsent, _ct);

        await store.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes("{ }"u8.ToArray(), "application/json"), WriteCondition.IfMatch(first.ETag!), _ct);

        Assert.Equal(first.ETag, wire.Requests.Last().Header("if-match"));
        Assert.Null(wire.Requests.Last().Header("if-none-match"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Put_LargeObject_GoesUpInPartsEachWithItsChecksum()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire, o => o with { PartSize = S3StoreOptions.MinimumPartSize, MultipartThreshold = S3StoreOptions.MinimumPartSize, PartParallelism = 2 });
        using var temp = new TempDirectory("multipart");
        var bytes = RandomBytes((int)(2.5 * S3StoreOptions.MinimumPartSize));
        var path = temp.Combine("big.bin");
        await File.WriteAllBytesAsync(path, bytes, _ct);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));

        var result = await store.PutAsync(key, ObjectContent.FromFile(path, bytes.Length, ContentHash.Of(bytes), "application/octet-stream", ObjectContent.ImmutableCacheControl), WriteCondition.IfAbsent, _ct);

        Assert.True(result.Written);
        var parts = wire.Requests.Where(r => r.Method == "PUT" && r.Query.Contains("partNumber=", StringComparison.Ordinal)).OrderBy(r => r.Query, StringComparer.Ordinal).ToList();
        Assert.Equal(3, parts.Count);
        var partSize = (int)S3StoreOptions.MinimumPartSize;
        for (var i = 0; i < 3; i++)
        {
            var part = parts.Single(p => p.Query.Contains($"partNumber={i + 1}&", StringComparison.Ordinal) || p.Query.EndsWith($"partNumber={i + 1}", StringComparison.Ordinal));
            var slice = bytes.AsSpan(i * partSize, Math.Min(partSize, bytes.Length - i * partSize));
            Assert.Equal(Convert.ToBase64String(SHA256.HashData(slice)), part.Header("x-amz-checksum-sha256"));
        }
        var complete = Assert.Single(wire.Requests, r => r.Method == "POST" && r.Query.Contains("uploadId=", StringComparison.Ordinal));
        Assert.Equal("*", complete.Header("if-none-match"));
        Assert.Equal(bytes, (await store.GetAsync(key, _ct))!.Content);
        var head = await store.HeadAsync(key, _ct);
        Assert.Equal(bytes.Length, head!.Size);
    }

    /// <summary>
    /// A large file rewritten after it was hashed: every part's checksum matches what was read, but the whole
    /// does not match the hash it would be stored under, so it must not be stored (blobs are trusted by name).
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Put_LargeObjectNotMatchingItsSha256_IsRefusedAbortedAndNotStored()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire, o => o with { PartSize = S3StoreOptions.MinimumPartSize, MultipartThreshold = S3StoreOptions.MinimumPartSize, PartParallelism = 2 });
        using var temp = new TempDirectory("multipart-changed");
        var hashed = RandomBytes((int)(2.5 * S3StoreOptions.MinimumPartSize));
        var path = temp.Combine("big.bin");
        var rewritten = hashed.ToArray();
        rewritten[^1] ^= 1;
        await File.WriteAllBytesAsync(path, rewritten, _ct);
        var key = StoreLayout.Blob(ContentHash.Of(hashed));

        var e = await Assert.ThrowsAsync<StoreException>(() =>
            store.PutAsync(key, ObjectContent.FromFile(path, hashed.Length, ContentHash.Of(hashed), "application/octet-stream"), WriteCondition.IfAbsent, _ct));

        Assert.Contains("its content changed while it was being stored", e.Message);
        Assert.Null(await store.HeadAsync(key, _ct));
        Assert.Single(wire.Requests, r => r.Method == "DELETE" && r.Query.Contains("uploadId=", StringComparison.Ordinal));
    }

    /// <summary>A file deleted mid-deploy is the deploy folder's problem, not an S3 outage: not retried, and said so.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Put_SourceFileGone_FailsAtOnceNamingTheFileNotTheStore()
    {
        using var store = await _s3.NewStoreAsync();
        var missing = Path.Combine(Path.GetTempPath(), "jamdeploy-gone-" + Guid.NewGuid().ToString("N"));

        var e = await Assert.ThrowsAsync<StoreException>(() => store.PutAsync(StoreLayout.Blob(ContentHash.Of("x"u8)),
            ObjectContent.FromFile(missing, 1, ContentHash.Of("x"u8), "text/plain"), WriteCondition.IfAbsent, _ct));

        Assert.Contains("a file being uploaded disappeared", e.Message);
        Assert.DoesNotContain("cannot reach the store", e.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task Put_LargeObjectThatExists_IfAbsentIsRefusedAndTheUploadAborted()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire, o => o with { PartSize = S3StoreOptions.MinimumPartSize, MultipartThreshold = S3StoreOptions.MinimumPartSize });
        var bytes = RandomBytes((int)S3StoreOptions.MinimumPartSize + 10);
        var key = StoreLayout.Blob(ContentHash.Of(bytes));
        await store.PutAsync(key, ObjectContent.FromBytes(bytes, "application/octet-stream"), WriteCondition.IfAbsent, _ct);

        var again = await store.PutAsync(key, ObjectContent.FromBytes(bytes, "application/octet-stream"), WriteCondition.IfAbsent, _ct);

        Assert.False(again.Written);
        Assert.Equal(2, wire.Requests.Count(r => r.Method == "DELETE" && r.Query.Contains("uploadId=", StringComparison.Ordinal)) + 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task List_FullPages_AsksForAThousandKeysAndFollowsContinuationTokens()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire, o => o with { ListPageSize = 4 });
        for (var i = 0; i < 10; i++)
            await store.PutAsync(StoreLayout.Blob(ContentHash.Of([(byte)i])), ObjectContent.FromBytes([(byte)i], "application/octet-stream"), WriteCondition.None, _ct);
        wire.Clear();

        var keys = new List<string>();
        await foreach (var item in store.ListAsync(StoreLayout.BlobsPrefix, _ct)) keys.Add(item.Key);

        Assert.Equal(10, keys.Count);
        Assert.Equal(3, wire.Count);
        Assert.All(wire.Requests, r => Assert.Contains("max-keys=4", r.Query, StringComparison.Ordinal));
        Assert.Equal(2, wire.Requests.Count(r => r.Query.Contains("continuation-token=", StringComparison.Ordinal)));
        Assert.Equal(S3StoreOptions.MaximumListPageSize, new S3StoreOptions { Location = new S3Location("b", "") }.ListPageSize);
    }

    [Fact(Timeout = 60_000)]
    public async Task Delete_ManyKeys_SendsAThousandPerRequest()
    {
        var wire = new RecordingHandler();
        using var store = await _s3.NewStoreAsync(wire);
        var present = StoreLayout.Blob(ContentHash.Of("present"u8));
        await store.PutAsync(present, ObjectContent.FromBytes("present"u8.ToArray(), "text/plain"), WriteCondition.None, _ct);
        var keys = Enumerable.Range(0, 2_500).Select(i => StoreLayout.Blob(ContentHash.Of(BitConverter.GetBytes(i)))).Append(present).ToList();
        wire.Clear();

        await store.DeleteAsync(keys, _ct);

        Assert.Equal(3, wire.Count);
        Assert.All(wire.Requests, r => Assert.Equal("POST", r.Method));
        Assert.Null(await store.HeadAsync(present, _ct));
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
