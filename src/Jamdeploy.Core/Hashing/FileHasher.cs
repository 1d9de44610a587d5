using System.Runtime.CompilerServices;
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
/// Stage 2, hash: streaming SHA-256 of every file, files in parallel on all cores, one buffer per
/// worker. Cost grows with the bytes of this deploy only, never with the history of the site.
/// </summary>
public static class FileHasher
{
    // Small enough that a chunk is still in the core's L2 cache when SHA-256 reads it back; large enough
    // that most files of a site are read and hashed in one call. Larger reads measured no faster here: copying
    // from the page cache costs the same per byte (scripts/bench-startup.sh).
    internal const int BufferSize = 256 << 10;

    // Progress is told in batches, not per read or per file: each report takes the display's lock, and on a
    // site of small files two threads would meet on it thousands of times a second.
    internal const long ReportBytes = 4 << 20;
    internal const int ReportFiles = 64;

    public static async Task<IReadOnlyList<HashedFile>> HashAsync(
        IReadOnlyList<ScannedFile> files, IProgress<long>? bytesHashed, CancellationToken cancellationToken, int? parallelism = null,
        IProgress<int>? filesHashed = null)
    {
        var hashes = new ContentHash[files.Count];
        var order = LargestFirst(files);

        // Hashing is CPU-bound: synchronous reads on worker threads measured 20-30% faster than async reads here
        // (scripts/bench.sh). One dedicated thread per core, each taking the next file and keeping one buffer for
        // all its files: in a fresh process (every deploy) a plain loop compiled ahead of time (ReadyToRun) runs at
        // once, where Parallel.ForEach's generic workers were compiled, instrumented and recompiled on the hashing
        // threads while they hashed, and the thread pool had to lend its threads (scripts/bench-startup.sh).
        var next = -1;
        Exception? failure = null;
        void Work()
        {
            try
            {
                using var worker = new HashWorker(bytesHashed, filesHashed);
                worker.Run(files, order, hashes, ref next, ref failure, cancellationToken);
            }
            catch (Exception e)
            {
                // The first failure stops every worker; the user gets that one clear line.
                Interlocked.CompareExchange(ref failure, e, null);
            }
        }

        var workers = Math.Clamp(Math.Min(parallelism ?? Environment.ProcessorCount, files.Count), 1, 64);
        var running = new Task[workers];
        for (var w = 0; w < workers; w++)
            running[w] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(running);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        cancellationToken.ThrowIfCancellationRequested();
        var hashed = new HashedFile[files.Count];
        for (var i = 0; i < hashed.Length; i++) hashed[i] = new HashedFile(files[i], hashes[i]);
        return hashed;
    }

    /// <summary>
    /// Loads and initialises the platform's SHA-256 (OpenSSL on Linux: tens of milliseconds in a fresh process) off the
    /// caller's path, so a deploy pays for it while it scans the folder rather than before it hashes the first file.
    /// </summary>
    public static Task PrepareAsync() => Task.Run(static () => SHA256.HashData(ReadOnlySpan<byte>.Empty));

    /// <summary>
    /// The indexes of the files, largest first, so one big file does not start last and leave the other cores idle.
    /// Sorted as objects with a comparison: the framework's sort for object arrays is compiled ahead of time, where
    /// a sort of (long, int) pairs was compiled on the spot in every fresh process.
    /// </summary>
    internal static int[] LargestFirst(IReadOnlyList<ScannedFile> files)
    {
        var sorted = new Slot[files.Count];
        for (var i = 0; i < sorted.Length; i++) sorted[i] = new Slot(i, files[i].Length);
        Array.Sort(sorted, Slot.LargestFirst);
        var order = new int[sorted.Length];
        for (var i = 0; i < order.Length; i++) order[i] = sorted[i].Index;
        return order;
    }

    private sealed class Slot(int index, long length)
    {
        public static readonly Comparison<Slot> LargestFirst = static (a, b) =>
            a.Length != b.Length ? b.Length.CompareTo(a.Length) : a.Index.CompareTo(b.Index);

        public int Index { get; } = index;
        public long Length { get; } = length;
    }
}

/// <summary>
/// One hashing thread's state, kept for all its files: the read buffer, the path buffer, the SHA-256 state for
/// files longer than one read, and the progress not yet reported. Nothing is allocated per file but its digest.
/// </summary>
internal sealed class HashWorker(IProgress<long>? bytesHashed, IProgress<int>? filesHashed) : IDisposable
{
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(FileHasher.BufferSize, pinned: true);
    private byte[] _path = new byte[512];
    private IncrementalHash? _sha;
    private long _pendingBytes;
    private int _pendingFiles;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(IReadOnlyList<ScannedFile> files, int[] order, ContentHash[] hashes, ref int next, ref Exception? failure, CancellationToken cancellationToken)
    {
        int k;
        while (Volatile.Read(ref failure) is null && (k = Interlocked.Increment(ref next)) < order.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var i = order[k];
            hashes[i] = Hash(files[i], cancellationToken);
            if (++_pendingFiles >= FileHasher.ReportFiles || _pendingBytes >= FileHasher.ReportBytes) Flush();
        }
        Flush();
    }

    /// <summary>The SHA-256 of the file's bytes as read now (its length may differ from the scan's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ContentHash Hash(ScannedFile file, CancellationToken cancellationToken)
    {
        var chunk = _buffer.AsSpan(0, FileHasher.BufferSize);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        using var reader = SourceFile.Open(file, ref _path);
        var read = reader.Read(chunk);
        _pendingBytes += read;
        if (read < chunk.Length)
        {
            SHA256.HashData(chunk[..read], digest);
            return ContentHash.FromBytes(digest);
        }

        // A file longer than one read streams through the worker's one SHA-256 state: memory stays one buffer per
        // thread whatever the file's size.
        var sha = _sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (read > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(chunk[..read]);
            if (_pendingBytes >= FileHasher.ReportBytes) Flush();
            read = reader.Read(chunk);
            _pendingBytes += read;
        }
        sha.GetHashAndReset(digest);
        return ContentHash.FromBytes(digest);
    }

    public void Flush()
    {
        if (_pendingBytes > 0) bytesHashed?.Report(_pendingBytes);
        if (_pendingFiles > 0) filesHashed?.Report(_pendingFiles);
        (_pendingBytes, _pendingFiles) = (0, 0);
    }

    public void Dispose() => _sha?.Dispose();
}
