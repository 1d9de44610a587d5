using System.Buffers;
using System.Security.Cryptography;
using Jamdeploy.Model;
using Jamdeploy.Scanning;

namespace Jamdeploy.Hashing;

/// <summary>A scanned file with the SHA-256 of its content.</summary>
public sealed record HashedFile(ScannedFile File, ContentHash Hash)
{
    public string SitePath => File.SitePath;
    public long Length => File.Length;
}

/// <summary>
/// Stage 2, hash: streaming SHA-256 of every file, files in parallel on all cores, one pooled buffer per
/// worker. Cost grows with the bytes of this deploy only, never with the history of the site.
/// </summary>
public static class FileHasher
{
    // Small enough that a chunk is still in the core's L2 cache when SHA-256 reads it back; large enough
    // that most files of a site are read and hashed in one call.
    internal const int BufferSize = 256 << 10;

    public static async Task<IReadOnlyList<HashedFile>> HashAsync(
        IReadOnlyList<ScannedFile> files, IProgress<long>? bytesHashed, CancellationToken cancellationToken, int? parallelism = null,
        IProgress<int>? filesHashed = null)
    {
        var hashes = new ContentHash[files.Count];
        // Largest first, so one big file does not start last and leave the other cores idle.
        var order = new int[files.Count];
        var largestFirst = new long[files.Count];
        for (var i = 0; i < order.Length; i++) (order[i], largestFirst[i]) = (i, -files[i].Length);
        Array.Sort(largestFirst, order);

        // Hashing is CPU-bound: synchronous reads on worker threads measured 20-30% faster than async reads here
        // (scripts/bench.sh). One dedicated thread per core, each taking the next file and keeping one buffer for
        // all its files: in a fresh process (every deploy) a plain loop compiled ahead of time (ReadyToRun) runs at
        // once, where Parallel.ForEach's generic workers were compiled, instrumented and recompiled on the hashing
        // threads while they hashed, and the thread pool had to lend its threads (scripts/bench-startup.sh).
        var next = -1;
        Exception? failure = null;
        void Work()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int k;
                while (Volatile.Read(ref failure) is null && (k = Interlocked.Increment(ref next)) < order.Length)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var i = order[k];
                    hashes[i] = HashFile(files[i], buffer, bytesHashed, cancellationToken);
                    filesHashed?.Report(1);
                }
            }
            catch (Exception e)
            {
                // The first failure stops every worker; the user gets that one clear line.
                Interlocked.CompareExchange(ref failure, e, null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        var workers = Math.Clamp(Math.Min(parallelism ?? Environment.ProcessorCount, files.Count), 1, 64);
        var running = new Task[workers];
        for (var w = 0; w < workers; w++)
            running[w] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(running);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        cancellationToken.ThrowIfCancellationRequested();
        return [.. files.Select((f, i) => new HashedFile(f, hashes[i]))];
    }

    /// <summary>
    /// Loads and initialises the platform's SHA-256 (OpenSSL on Linux: tens of milliseconds in a fresh process) off the
    /// caller's path, so a deploy pays for it while it scans the folder rather than before it hashes the first file.
    /// </summary>
    public static Task PrepareAsync() => Task.Run(static () => SHA256.HashData(ReadOnlySpan<byte>.Empty));

    internal static ContentHash HashFile(ScannedFile file, byte[] buffer, IProgress<long>? bytesHashed, CancellationToken cancellationToken)
    {
        var chunk = buffer.AsSpan(0, BufferSize);
        using var reader = SourceFile.Open(file);
        var read = reader.Read(chunk);
        if (read < chunk.Length)
        {
            bytesHashed?.Report(read);
            return ContentHash.FromBytes(SHA256.HashData(chunk[..read]));
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(chunk[..read]);
            bytesHashed?.Report(read);
        }
        while ((read = reader.Read(chunk)) > 0);
        return ContentHash.FromBytes(sha.GetHashAndReset());
    }
}
