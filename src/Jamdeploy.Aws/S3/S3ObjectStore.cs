using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// The store port on S3 or any S3-compatible service. Conditional writes map to If-None-Match: * and
/// If-Match; every write carries the SHA-256 the caller computed as its checksum so the service rejects a
/// corrupted body; large objects go up in parts; every request runs through <see cref="S3RetryPipeline"/>
/// and a bound on requests in flight; failures leave as one-line typed errors naming the bucket.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly Lazy<IAmazonS3> _client;
    private readonly S3StoreOptions _options;
    private readonly Lazy<S3RetryPipeline> _retry;
    private readonly SemaphoreSlim _requestSlots;
    private readonly ILogger _logger;
    private readonly string? _endpoint;
    private readonly bool _unsignedPayload;
    private readonly S3DirectRead? _directRead;
    private readonly HttpMessageHandler? _transport;
    private int _directReads;
    private volatile bool _directReadsOff;

    /// <summary>A store over a client made for these options (see <see cref="S3ClientFactory"/>); the store owns the client.</summary>
    public S3ObjectStore(IAmazonS3 client, S3StoreOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(new Lazy<IAmazonS3>(client), options, logger, timeProvider, directRead: null, transport: null)
    {
    }

    private S3ObjectStore(Lazy<IAmazonS3> client, S3StoreOptions options, ILogger? logger, TimeProvider? timeProvider,
        Func<ILogger, S3DirectRead?>? directRead, HttpMessageHandler? transport)
    {
        options.Validate();
        _client = client;
        _transport = transport;
        _options = options;
        _logger = (logger ?? Serilog.Core.Logger.None).ForContext<S3ObjectStore>();
        // Built at the first request that needs it: a no-op redeploy's one read may need neither (S3DirectRead).
        _retry = new Lazy<S3RetryPipeline>(() => new S3RetryPipeline(options, _logger, timeProvider));
        _requestSlots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        _endpoint = S3ClientFactory.ResolveEndpoint(options);
        _unsignedPayload = _endpoint is null || _endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        _directRead = directRead?.Invoke(_logger);
    }

    /// <summary>
    /// The production store: the SDK's credential chain, no interceptor. The SDK's client is built at the first request
    /// that needs it; whole-object reads go out directly when <see cref="S3DirectRead"/> can sign them as the client would.
    /// </summary>
    public static S3ObjectStore Create(S3StoreOptions options, ILogger? logger = null) =>
        Create(options, Environment.GetEnvironmentVariable, logger);

    /// <param name="options">The store's settings.</param>
    /// <param name="environment">Where the direct reads look for credentials and the endpoint (the process environment in production).</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="interceptor">A handler in front of the network for both the direct reads and the SDK's client (tests).</param>
    /// <param name="timeProvider">The clock of the retries and the per-attempt timeouts.</param>
    /// <param name="credentials">The SDK client's credentials when not its chain's (tests: the test process has none in its environment).</param>
    internal static S3ObjectStore Create(S3StoreOptions options, Func<string, string?> environment, ILogger? logger,
        DelegatingHandler? interceptor = null, TimeProvider? timeProvider = null, AWSCredentials? credentials = null)
    {
        options.Validate();
        var transport = S3HttpClientFactory.Transport(options, interceptor);
        var client = new Lazy<IAmazonS3>(() =>
        {
            var started = Stopwatch.GetTimestamp();
            var built = S3ClientFactory.Create(options, transport, credentials);
            logger?.ForContext<S3ObjectStore>().Debug("Built the S3 client for {Location} in {Milliseconds:0.0} ms",
                options.Location, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return built;
        });
        var store = new S3ObjectStore(client, options, logger, timeProvider,
            log => S3DirectRead.TryCreate(options, environment, transport, timeProvider ?? TimeProvider.System, log), transport);
        // Without direct reads the first request needs the client anyway: a setting it cannot work with (an unknown
        // profile, no region) is then a usage error here, before anything is read, as it always was.
        if (store._directRead is null) _ = client.Value;
        return store;
    }

    /// <summary>Whether the SDK's client has been built (a no-op redeploy with static credentials never builds it).</summary>
    internal bool ClientBuilt => _client.IsValueCreated;

    public string Location => _options.Location.ToString();

    public S3StoreOptions Options => _options;

    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (_directRead is not null && !_directReadsOff)
        {
            // A second read means more than a no-op redeploy's one: what follows (a plan, its writes) needs the SDK's
            // client, so it is built now, beside this read, rather than in front of the first write.
            if (Interlocked.Increment(ref _directReads) == 2) BuildClientInBackground();
            var direct = await DirectGetAsync(key, cancellationToken).ConfigureAwait(false);
            if (direct.Outcome == DirectReadOutcome.Found) return new StoredObject(direct.Content!, direct.ETag!);
            if (direct.Outcome == DirectReadOutcome.Missing) return null;
            // What it could not settle once (a refusal of its signature, an answer it does not handle) it would likely not
            // settle again: the store's later reads go to the SDK at once rather than each paying a failed request first.
            _directReadsOff = true;
        }
        return await RunAsync("GET", key, 0, async (_, ct) =>
        {
            try
            {
                using var response = await _client.Value.GetObjectAsync(GetRequest(key), ct).ConfigureAwait(false);
                using var buffer = new MemoryStream(response.ContentLength is > 0 and < int.MaxValue ? (int)response.ContentLength : 0);
                try
                {
                    await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
                }
                catch (AmazonClientException e) when (IsChecksumMismatch(e))
                {
                    throw Damaged(key, e);
                }
                return new StoredObject(buffer.ToArray(), response.ETag);
            }
            catch (AmazonS3Exception e) when (IsMissingKey(e))
            {
                return null;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream?> OpenReadAsync(string key, Jamdeploy.Storage.ByteRange? range, CancellationToken cancellationToken)
    {
        return await RunAsync<Stream?>("GET", key, 0, async (_, ct) =>
        {
            var request = GetRequest(key);
            if (range is { } r) request.ByteRange = new Amazon.S3.Model.ByteRange(r.From, r.To);
            try
            {
                var response = await _client.Value.GetObjectAsync(request, ct).ConfigureAwait(false);
                return new ResponseStream(response, e => Damaged(key, e));
            }
            catch (AmazonS3Exception e) when (IsMissingKey(e))
            {
                return null;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// A HEAD answer has no body, so a missing bucket looks like a missing key here (404); the GET or PUT
    /// that follows names the bucket.
    /// </remarks>
    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        return await RunAsync("HEAD", key, 0, async (_, ct) =>
        {
            var response = await HeadOrNullAsync(HeadRequest(key), ct).ConfigureAwait(false);
            return response is null ? null : new ObjectInfo(key, response.ContentLength, LastModified(response.LastModified), response.ETag);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (content.Length >= _options.MultipartThreshold)
        {
            var upload = new S3MultipartUpload(_client.Value, _options, this, key, content, condition, _logger);
            try
            {
                return await upload.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw S3ErrorTranslator.Translate(e, _options.Location, _endpoint, "multipart PUT", key);
            }
        }

        var result = await RunAsync("PUT", key, content.Length, async (attempt, ct) =>
        {
            var request = PutRequest(key);
            SignPayload(request);
            request.InputStream = content.Open();
            request.AutoCloseStream = true;
            request.Headers.ContentLength = content.Length;
            request.ContentType = content.ContentType;
            if (content.CacheControl is not null) request.Headers.CacheControl = content.CacheControl;
            // Both together: the algorithm alone would make the SDK compute (or, when not required, skip) its own.
            request.ChecksumAlgorithm = ChecksumAlgorithm.SHA256;
            request.ChecksumSHA256 = content.Sha256.ToBase64();
            ApplyCondition(condition, request);
            try
            {
                var response = await _client.Value.PutObjectAsync(request, ct).ConfigureAwait(false);
                return new WriteResult(true, response.ETag);
            }
            catch (AmazonS3Exception e) when (IsConditionFailed(e, condition, IsLastAttempt(attempt)))
            {
                return attempt == 0 ? WriteResult.ConditionFailed : await OurEarlierAttemptLanded(key, content, ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        _logger.Debug("PUT {Key} ({Bytes} bytes, {Condition}): {Written}", key, content.Length, condition.Mode, result.Written);
        return result;
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var page = await RunAsync("LIST", prefix, 0, (_, ct) => _client.Value.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Location.Bucket,
                Prefix = _options.Location.ObjectKey(prefix),
                MaxKeys = _options.ListPageSize,
                ContinuationToken = continuation,
            }, ct), cancellationToken).ConfigureAwait(false);

            // The SDK (v4) gives null, not an empty list, for a page without keys.
            foreach (var item in page.S3Objects ?? [])
                yield return new ObjectInfo(_options.Location.RelativeKey(item.Key), item.Size ?? 0, LastModified(item.LastModified), item.ETag);

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public async Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var batch in keys.Chunk(S3StoreOptions.DeleteBatchSize))
        {
            var response = await RunAsync("DELETE", batch[0], 0, async (_, ct) =>
            {
                try
                {
                    return await _client.Value.DeleteObjectsAsync(new DeleteObjectsRequest
                    {
                        BucketName = _options.Location.Bucket,
                        Objects = [.. batch.Select(key => new KeyVersion { Key = _options.Location.ObjectKey(key) })],
                        Quiet = true,
                    }, ct).ConfigureAwait(false);
                }
                catch (DeleteObjectsException e)
                {
                    // The SDK throws when any key failed; the answer, with each key's error, is inside.
                    return e.Response;
                }
            }, cancellationToken).ConfigureAwait(false);

            var errors = (response.DeleteErrors ?? []).Where(e => e.Code != "NoSuchKey").ToList();
            if (errors.Count > 0)
            {
                var first = errors[0];
                throw new StoreException(
                    $"could not delete {errors.Count} of {batch.Length} objects in bucket '{_options.Location.Bucket}', first {first.Key}: {first.Code} {S3ErrorTranslator.OneLine(first.Message ?? "")}");
            }
            _logger.Debug("Deleted {Count} objects from {Location}", batch.Length, Location);
        }
    }

    public void Dispose()
    {
        _requestSlots.Dispose();
        if (_client.IsValueCreated) _client.Value.Dispose();
        // Shared by the direct reads and the client, and owned by neither (see Create): its connections go with the store.
        _transport?.Dispose();
    }

    /// <summary>
    /// A failure to build it (a setting the SDK refuses) is kept by the lazy value and thrown at its first use. The retry
    /// pipeline is built with it: the reads before it go around both, so the first write would otherwise wait for it. Beside it, a
    /// date is parsed as the SDK parses each response's Date header (its clock-skew check): the first such parse builds
    /// ICU's case-insensitive collation, ~16 ms of CPU (perf, native tool), which otherwise lands on the first answers
    /// to the uploads: several built it at once (389 profile samples in ICU there; 237 here, while the plan is made).
    /// </summary>
    private void BuildClientInBackground() =>
        _ = Task.Run(() =>
        {
            var client = _client.Value;
            _ = _retry.Value;
            _ = DateTime.TryParseExact("Mon, 30 Nov 2026 00:00:00 GMT", "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
                CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _);
            return client;
        }).ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async Task<DirectReadResult> DirectGetAsync(string key, CancellationToken cancellationToken)
    {
        await _requestSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _directRead!.GetAsync(_options.Location.ObjectKey(key), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _requestSlots.Release();
        }
    }

    /// <summary>Runs one request through the slot bound and the retry pipeline, translating what fails for good.</summary>
    internal async Task<T> RunAsync<T>(string operation, string key, long bodyBytes, Func<int, CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        await _requestSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _retry.Value.ExecuteAsync(operation, bodyBytes, attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw S3ErrorTranslator.Translate(e, _options.Location, _endpoint, operation, key);
        }
        finally
        {
            _requestSlots.Release();
        }
    }

    private GetObjectRequest GetRequest(string key) => new() { BucketName = _options.Location.Bucket, Key = _options.Location.ObjectKey(key) };

    private GetObjectMetadataRequest HeadRequest(string key) => new() { BucketName = _options.Location.Bucket, Key = _options.Location.ObjectKey(key) };

    private PutObjectRequest PutRequest(string key) => new() { BucketName = _options.Location.Bucket, Key = _options.Location.ObjectKey(key) };

    /// <summary>
    /// No body is hashed twice. Over HTTPS the payload goes unsigned (UNSIGNED-PAYLOAD, as the AWS CLI sends
    /// it): TLS guards the wire, and S3 checks the body against its x-amz-checksum-sha256, the SHA-256 the
    /// deploy already computed, so the SDK hashes nothing. Over plain HTTP (a local MinIO, moto) SigV4 needs the
    /// payload's hash and the SDK takes none from us, so it hashes the body in one pass, not in signed
    /// aws-chunked frames (a hash and a signature per 80 KiB, a buffer per request, a longer body to parse).
    /// </summary>
    internal void SignPayload(PutObjectRequest request)
    {
        request.UseChunkEncoding = false;
        if (_unsignedPayload) request.DisablePayloadSigning = true;
    }

    /// <inheritdoc cref="SignPayload(PutObjectRequest)"/>
    internal void SignPayload(UploadPartRequest request)
    {
        request.UseChunkEncoding = false;
        if (_unsignedPayload) request.DisablePayloadSigning = true;
    }

    internal static void ApplyCondition(WriteCondition condition, PutObjectRequest request) =>
        (request.IfNoneMatch, request.IfMatch) = ConditionHeaders(condition);

    /// <summary>If-None-Match and If-Match for a write condition: the same for a plain put and a multipart completion.</summary>
    internal static (string? IfNoneMatch, string? IfMatch) ConditionHeaders(WriteCondition condition) => condition.Mode switch
    {
        WriteMode.IfAbsent => ("*", null),
        WriteMode.IfMatch => (null, condition.ETag ?? throw new ArgumentException("IfMatch needs an ETag", nameof(condition))),
        _ => (null, null),
    };

    /// <summary>
    /// 412 PreconditionFailed is what S3 (and moto) say; 404 is an If-Match against a key that is gone.
    /// 409 ConditionalRequestConflict means another conditional write to the key is under way: it is
    /// retried (the other write then either landed, and ours fails its condition, or did not), and only
    /// when retries run out taken as a failed condition, so the caller re-reads and decides.
    /// </summary>
    internal static bool IsConditionFailed(AmazonS3Exception error, WriteCondition condition, bool lastAttempt) =>
        condition.Mode != WriteMode.Overwrite
        && (error.StatusCode == HttpStatusCode.PreconditionFailed
            || error.ErrorCode == "PreconditionFailed"
            || (condition.Mode == WriteMode.IfMatch && error.ErrorCode == "NoSuchKey")
            || (lastAttempt && error.ErrorCode == "ConditionalRequestConflict"));

    internal bool IsLastAttempt(int attempt) => attempt >= _options.MaxRetryAttempts;

    /// <summary>
    /// A conditional write that fails only after a retry may have failed against itself: the earlier
    /// attempt landed and its answer was lost. The object then carries our checksum, and the write is ours.
    /// </summary>
    internal async Task<WriteResult> OurEarlierAttemptLanded(string key, ObjectContent content, CancellationToken cancellationToken)
    {
        var request = HeadRequest(key);
        request.ChecksumMode = ChecksumMode.ENABLED;
        var head = await HeadOrNullAsync(request, cancellationToken).ConfigureAwait(false);
        if (head is null) return WriteResult.ConditionFailed;
        var ours = head.ChecksumSHA256 == content.Sha256.ToBase64();
        _logger.Information("Conditional PUT {Key} failed after a retry; the stored object is {Whose}", key, ours ? "our earlier attempt" : "another writer's");
        return ours ? new WriteResult(true, head.ETag) : WriteResult.ConditionFailed;
    }

    /// <summary>
    /// One HEAD; null when the key is missing. StoreS3Client makes that a 404 response rather than an exception (the
    /// exception's path is kept for an answer the SDK could not read as a response).
    /// </summary>
    private async Task<GetObjectMetadataResponse?> HeadOrNullAsync(GetObjectMetadataRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.Value.GetObjectMetadataAsync(request, cancellationToken).ConfigureAwait(false);
            return response.HttpStatusCode == HttpStatusCode.NotFound ? null : response;
        }
        catch (AmazonS3Exception e) when (IsMissingKey(e))
        {
            return null;
        }
    }

    /// <summary>
    /// The SDK checks a GET's body against the checksum S3 stored with the object (x-amz-checksum-mode) as the
    /// body is read, and at its end throws a plain client exception that only its message tells apart.
    /// </summary>
    internal static bool IsChecksumMismatch(AmazonClientException error) =>
        error.Message.StartsWith("Expected hash not equal to calculated hash", StringComparison.Ordinal);

    private DamagedObjectException Damaged(string key, AmazonClientException error) =>
        new(key, $"{_options.Location.ObjectKey(key)} in bucket '{_options.Location.Bucket}' does not match the checksum S3 stored with it: the object is damaged", error);

    private static bool IsMissingKey(AmazonS3Exception error) =>
        error.StatusCode == HttpStatusCode.NotFound && error.ErrorCode is "NoSuchKey" or "NotFound" or null;

    private static DateTimeOffset LastModified(DateTime? value) =>
        value is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime()) : DateTimeOffset.MinValue;

    /// <summary>
    /// The body of a GET; disposing it releases the response and its connection. A body that does not match
    /// its stored checksum ends in <see cref="DamagedObjectException"/>, so readers above the store port can
    /// tell damage from a failing network without knowing the SDK.
    /// </summary>
    private sealed class ResponseStream(GetObjectResponse response, Func<AmazonClientException, DamagedObjectException> damaged) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _inner.Read(buffer);
            }
            catch (AmazonClientException e) when (IsChecksumMismatch(e))
            {
                throw damaged(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException e) when (IsChecksumMismatch(e))
            {
                throw damaged(e);
            }
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) response.Dispose();
            base.Dispose(disposing);
        }
    }
}
