using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// One large object in parts: each part is read into a pooled buffer, hashed, and sent with its own
/// SHA-256 checksum (so S3 rejects a corrupted part) by at most <see cref="S3StoreOptions.PartParallelism"/>
/// tasks at once; each part is retried on its own; the write condition applies to the completion, which is
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
            var parts = new PartETag[partCount];
            await Parallel.ForEachAsync(Enumerable.Range(0, partCount),
                new ParallelOptions { MaxDegreeOfParallelism = options.PartParallelism, CancellationToken = cancellationToken },
                async (index, ct) => parts[index] = await UploadPartAsync(uploadId, index, partSize, ct).ConfigureAwait(false)).ConfigureAwait(false);

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

    private async Task<PartETag> UploadPartAsync(string uploadId, int index, long partSize, CancellationToken cancellationToken)
    {
        var offset = index * partSize;
        var length = (int)Math.Min(partSize, content.Length - offset);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadPartAsync(buffer, offset, length, cancellationToken).ConfigureAwait(false);
            var checksum = Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, length)));
            var response = await store.RunAsync("UPLOAD-PART", key, length, (_, ct) => client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = options.Location.Bucket,
                Key = _objectKey,
                UploadId = uploadId,
                PartNumber = index + 1,
                PartSize = length,
                InputStream = new MemoryStream(buffer, 0, length, writable: false),
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                ChecksumSHA256 = checksum,
            }, ct), cancellationToken).ConfigureAwait(false);
            return new PartETag { PartNumber = index + 1, ETag = response.ETag, ChecksumSHA256 = response.ChecksumSHA256 ?? checksum };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ReadPartAsync(byte[] buffer, long offset, int length, CancellationToken cancellationToken)
    {
        await using var stream = content.Open();
        if (stream.CanSeek)
        {
            stream.Seek(offset, SeekOrigin.Begin);
        }
        else
        {
            // A stream that cannot seek is skipped through; files (the usual case) seek.
            var skip = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                for (var left = offset; left > 0;)
                {
                    var read = await stream.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (read == 0) throw new IOException($"{key} ended before byte {offset}");
                    left -= read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(skip);
            }
        }
        await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
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
            if (condition.Mode == WriteMode.IfAbsent) request.IfNoneMatch = "*";
            if (condition.Mode == WriteMode.IfMatch) request.IfMatch = condition.ETag;
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
