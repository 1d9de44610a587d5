using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// One large object in parts: each part is read into a pooled buffer, hashed, and sent with its own
/// SHA-256 checksum (so S3 rejects a corrupted part) by at most <see cref="S3StoreOptions.PartParallelism"/>
/// tasks at once; the whole object must hash to its declared SHA-256 before it is completed; each part is retried on its own; the write condition applies to the completion, which is
/// the one moment the object appears. A failed upload is aborted so no parts linger.
/// </summary>
internal sealed class S3MultipartUpload(
    IAmazonS3 client, S3StoreOptions options, S3ObjectStore store, string key, ObjectContent content, WriteCondition condition, ILogger logger)
{
    private readonly string _objectKey = options.Location.ObjectKey(key);

    public async Task<WriteResult> RunAsync(CancellationToken cancellationToken)
    {
        var partSize = options.PartSizeFor(content.Length);
        var partCount = (int)((content.Length + partSize - 1) / partSize);

        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = options.Location.Bucket,
            Key = _objectKey,
            ContentType = content.ContentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        };
        if (content.CacheControl is not null) initiate.Headers.CacheControl = content.CacheControl;
        var uploadId = (await store.RunAsync("CREATE-MULTIPART", key, 0, (_, ct) => client.InitiateMultipartUploadAsync(initiate, ct), cancellationToken).ConfigureAwait(false)).UploadId;
        logger.Debug("Multipart upload of {Key}: {Bytes} bytes in {Parts} parts of {PartSize}", key, content.Length, partCount, partSize);

        try
        {
            // Parts are read in order from one stream and hashed as they go, so the whole object is checked
            // against its declared SHA-256 before it appears (each part's own checksum only guards the wire);
            // the uploads run in parallel, and a part is read only when a sender is free to take it.
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var parts = new PartETag[partCount];
            await Parallel.ForEachAsync(ReadPartsAsync(partSize, whole, cancellationToken),
                new ParallelOptions { MaxDegreeOfParallelism = options.PartParallelism, CancellationToken = cancellationToken },
                async (part, ct) =>
                {
                    try
                    {
                        parts[part.Index] = await UploadPartAsync(uploadId, part, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(part.Buffer);
                    }
                }).ConfigureAwait(false);
            var actual = ContentHash.FromBytes(whole.GetHashAndReset());
            if (actual != content.Sha256) throw content.ChangedWhileStored(key, actual);

            var result = await CompleteAsync(uploadId, parts, cancellationToken).ConfigureAwait(false);
            if (!result.Written) await AbortAsync(uploadId).ConfigureAwait(false);
            return result;
        }
        catch
        {
            await AbortAsync(uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private sealed record Part(int Index, byte[] Buffer, int Length);

    private async IAsyncEnumerable<Part> ReadPartsAsync(long partSize, IncrementalHash whole, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = content.Open();
        for (var index = 0; index * partSize < content.Length; index++)
        {
            var length = (int)Math.Min(partSize, content.Length - index * partSize);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            whole.AppendData(buffer, 0, length);
            yield return new Part(index, buffer, length);
        }
    }

    private async Task<PartETag> UploadPartAsync(string uploadId, Part part, CancellationToken cancellationToken)
    {
        var checksum = Convert.ToBase64String(SHA256.HashData(part.Buffer.AsSpan(0, part.Length)));
        var response = await store.RunAsync("UPLOAD-PART", key, part.Length, (_, ct) =>
        {
            var request = new UploadPartRequest
            {
                BucketName = options.Location.Bucket,
                Key = _objectKey,
                UploadId = uploadId,
                PartNumber = part.Index + 1,
                PartSize = part.Length,
                InputStream = new MemoryStream(part.Buffer, 0, part.Length, writable: false),
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                ChecksumSHA256 = checksum,
            };
            store.SignPayload(request);
            return client.UploadPartAsync(request, ct);
        }, cancellationToken).ConfigureAwait(false);
        return new PartETag { PartNumber = part.Index + 1, ETag = response.ETag, ChecksumSHA256 = response.ChecksumSHA256 ?? checksum };
    }

    private async Task<WriteResult> CompleteAsync(string uploadId, PartETag[] parts, CancellationToken cancellationToken)
    {
        return await store.RunAsync("COMPLETE-MULTIPART", key, 0, async (attempt, ct) =>
        {
            var request = new CompleteMultipartUploadRequest
            {
                BucketName = options.Location.Bucket,
                Key = _objectKey,
                UploadId = uploadId,
                PartETags = [.. parts],
            };
            (request.IfNoneMatch, request.IfMatch) = S3ObjectStore.ConditionHeaders(condition);
            try
            {
                var response = await client.CompleteMultipartUploadAsync(request, ct).ConfigureAwait(false);
                return new WriteResult(true, response.ETag);
            }
            catch (AmazonS3Exception e) when (S3ObjectStore.IsConditionFailed(e, condition, store.IsLastAttempt(attempt)))
            {
                return WriteResult.ConditionFailed;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task AbortAsync(string uploadId)
    {
        // Not the caller's token: a cancelled deploy must still release the parts it left behind.
        using var timeout = new CancellationTokenSource(options.RequestTimeout);
        try
        {
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = options.Location.Bucket,
                Key = _objectKey,
                UploadId = uploadId,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or IOException or OperationCanceledException)
        {
            // The parts stay billable until a lifecycle rule aborts incomplete uploads; say so, don't fail twice.
            logger.Warning(e, "Could not abort the multipart upload {UploadId} of {Key}", uploadId, key);
        }
    }
}
