using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;
using Jamdeploy.Precompression;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Deploying;

/// <summary>What precompression did in one deploy: the variants made (by content and coding), and what it cost.</summary>
public sealed record VariantsMade(
    IReadOnlyDictionary<(ContentHash, string), EncodedBlob> Blobs, int Sent, long BytesSent, long SourceBytes, long CompressedBytes, TimeSpan CompressTime)
{
    public static VariantsMade None { get; } = new(new Dictionary<(ContentHash, string), EncodedBlob>(), 0, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Planned blobs (not variants) whose conditional write the store refused: it held them already.</summary>
    public IReadOnlySet<ContentHash> BlobsFoundStored { get; init; } = new HashSet<ContentHash>();
}

/// <summary>
/// Stage 4, upload: the plan's blobs from their files, and each precompressed variant as soon as it is made.
/// Compression runs on every core while uploads run, through a queue as long as the initial upload concurrency, so
/// neither waits for the other to finish and only the queue's and the uploads' worth of compressed bytes is held in
/// memory. Uploads run <see cref="UploadConcurrency.Limit"/> at a time, a number that may grow as they go.
/// </summary>
/// <param name="concurrencyFor">The upload limit for a deploy of so many uploads (blobs and precompressed forms).</param>
internal sealed class BlobSender(IObjectStore store, Func<int, UploadConcurrency> concurrencyFor, Compressor compressor, TimeProvider time, ILogger log)
{
    private sealed record Write(ContentHash Hash, ObjectContent Content, WriteCondition Condition, string Path, string Reason, bool Variant = false);

    /// <param name="presence">The plan's look at the store: with a full listing it tells which variants are stored already.</param>
    /// <param name="staleBefore">A variant stored before this is written again, so a cleanup cannot take it (as the planner does for blobs).</param>
    public async Task<VariantsMade> SendAsync(
        IReadOnlyList<BlobUpload> uploads, IReadOnlyList<VariantJob> jobs, BlobPresence? presence, DateTimeOffset staleBefore,
        IProgress<DeployProgress>? progress, CancellationToken cancellationToken)
    {
        long total = uploads.Sum(u => u.Source.Length), sent = 0, sourceBytes = 0, compressedBytes = 0, variantBytesSent = 0;
        var files = 0;
        var variantsSent = 0;
        var count = uploads.Count + jobs.Sum(j => j.Codings.Count);
        var concurrency = concurrencyFor(count);
        progress?.Report(new DeployProgress(DeployStage.Upload, 0, total) { FilesTotal = count });
        var made = new ConcurrentDictionary<(ContentHash, string), EncodedBlob>();
        var foundStored = new ConcurrentDictionary<ContentHash, bool>();
        long compressTicks = 0;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = Channel.CreateBounded<Write>(new BoundedChannelOptions(concurrency.Limit) { SingleWriter = false, SingleReader = false });
        var producing = Task.WhenAll(StopOnFailure(QueueUploadsAsync), StopOnFailure(CompressAsync));
        var finishing = producing.ContinueWith(t => queue.Writer.TryComplete(t.Exception?.InnerException ?? (t.IsCanceled ? new OperationCanceledException() : null)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        // One slot per upload in flight; the limit opens more as it grows, and takes back the ones it gives up.
        using var slots = new UploadSlots(concurrency.Limit, concurrency.Ceiling);
        var began = time.GetTimestamp();
        Exception? failure = null;
        await Task.WhenAll(Enumerable.Range(0, concurrency.Ceiling).Select(_ => UploadAsync()));
        if (failure is not null)
        {
            // The producers stop with the uploads, and are waited for: nothing keeps compressing after a failure. A
            // producer's own failure is the cause when the uploads saw only the cancellation it caused.
            await stop.CancelAsync();
            await finishing;
            if (!cancellationToken.IsCancellationRequested
                && producing.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) is { } cause)
                ExceptionDispatchInfo.Throw(cause);
            ExceptionDispatchInfo.Throw(failure);
        }
        await producing;
        log.Debug("Uploaded {Count} blobs (upload concurrency {Limit}{Adapted})",
            files, concurrency.Limit, concurrency.Ceiling > 1 && concurrency.Settled ? "" : ", still adapting");
        return new VariantsMade(made, variantsSent, variantBytesSent, sourceBytes, compressedBytes, TimeSpan.FromTicks(compressTicks))
            { BlobsFoundStored = foundStored.Keys.ToHashSet() };

        // A slot, then a write: a write is taken from the queue only with a slot to send it in, so the queue keeps the compressors
        // waiting rather than the uploads holding compressed bytes they cannot send yet. The first failure stops every upload.
        async Task UploadAsync()
        {
            try
            {
                while (true)
                {
                    await slots.WaitAsync(stop.Token);
                    try
                    {
                        if (!await queue.Reader.WaitToReadAsync(stop.Token)) return;
                        if (!queue.Reader.TryRead(out var write)) continue;
                        // IfAbsent: a blob stored already (by a concurrent deploy, an interrupted one, an older release) is success, not a conflict.
                        var written = await store.PutAsync(StoreLayout.Blob(write.Hash), write.Content, write.Condition, stop.Token);
                        if (written.Written)
                            log.Debug("Uploaded {Blob} from {Path} ({Bytes} bytes, {Reason})", write.Hash.Short, write.Path, write.Content.Length, write.Reason);
                        else
                        {
                            log.Debug("{Blob} from {Path} is stored already: the store refused a second copy", write.Hash.Short, write.Path);
                            if (!write.Variant) foundStored[write.Hash] = true;
                            else
                            {
                                Interlocked.Decrement(ref variantsSent);
                                Interlocked.Add(ref variantBytesSent, -write.Content.Length);
                            }
                        }
                        progress?.Report(new DeployProgress(DeployStage.Upload, Interlocked.Add(ref sent, write.Content.Length), Volatile.Read(ref total))
                            { FilesDone = Interlocked.Increment(ref files), FilesTotal = count });
                        slots.Resize(concurrency.Completed(time.GetElapsedTime(began), write.Content.Length));
                    }
                    finally
                    {
                        slots.Release();
                    }
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                await stop.CancelAsync();
            }
        }

        async Task StopOnFailure(Func<Task> produce)
        {
            try
            {
                await produce();
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }

        async Task QueueUploadsAsync()
        {
            // Big blobs first so the tail of the upload is many small ones, not one long one.
            foreach (var upload in uploads.OrderByDescending(u => u.Source.Length))
            {
                var content = ObjectContent.FromFile(upload.Source.File.FullPath, upload.Source.Length, upload.Hash,
                    upload.ContentType, ObjectContent.ImmutableCacheControl);
                await queue.Writer.WriteAsync(new Write(upload.Hash, content, upload.Refresh ? WriteCondition.None : WriteCondition.IfAbsent,
                    upload.Source.SitePath, upload.Reason), stop.Token);
            }
        }

        async Task CompressAsync()
        {
            if (jobs.Count == 0) return;
            // Compression is CPU work: one file per core, larger first (as uploads go), each queued as soon as it is made.
            await Parallel.ForEachAsync(jobs.OrderByDescending(j => j.Source.Length),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stop.Token },
                async (job, ct) =>
                {
                    var started = Stopwatch.GetTimestamp();
                    var variants = await Task.Run(() => compressor.CompressAsync(job.Source, job.Codings, ct), ct);
                    Interlocked.Add(ref compressTicks, Stopwatch.GetElapsedTime(started).Ticks);
                    Interlocked.Add(ref sourceBytes, job.Source.Length * variants.Count);
                    foreach (var variant in variants)
                    {
                        if (job.KeepNames && job.Expected?.GetValueOrDefault(variant.Coding) is { } expected && expected != variant.Hash)
                            throw new StoreException(
                                $"the {variant.Coding} form of '{job.Source.SitePath.TrimStart('/')}' is missing from the store and compresses to {variant.Hash.Short}…, not {expected.Short}… (another compressor version?); deploy a change to the folder, or with Deploy:Precompress:Enabled=false");
                        Interlocked.Add(ref compressedBytes, variant.Bytes.Length);
                        made[(job.Source.Hash, variant.Coding)] = new EncodedBlob(variant.Hash, variant.Bytes.Length);
                        var seen = presence is { Complete: true } ? presence.Seen(variant.Hash) : null;
                        if (seen is not null && seen.LastModified >= staleBefore)
                        {
                            // Stored already (an interrupted deploy sent it, or another file compresses to the same bytes).
                            progress?.Report(new DeployProgress(DeployStage.Upload, Volatile.Read(ref sent), Volatile.Read(ref total))
                                { FilesDone = Interlocked.Increment(ref files), FilesTotal = count });
                            continue;
                        }
                        Interlocked.Add(ref total, variant.Bytes.Length);
                        Interlocked.Add(ref variantBytesSent, variant.Bytes.Length);
                        Interlocked.Increment(ref variantsSent);
                        // Compressed bytes, whatever the file's type: only an edge that reads the manifest knows their coding.
                        var bytes = variant.Bytes;
                        var content = new ObjectContent(() => new MemoryStream(bytes, writable: false), bytes.Length, variant.Hash,
                            "application/octet-stream", ObjectContent.ImmutableCacheControl);
                        var condition = seen is not null || job.Expected is not null ? WriteCondition.None : WriteCondition.IfAbsent;
                        await queue.Writer.WriteAsync(new Write(variant.Hash, content, condition, $"{job.Source.SitePath} ({variant.Coding})", job.Reason, Variant: true), ct);
                    }
                });
        }
    }
}
