using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
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
/// Stage 2, hash: streaming SHA-256 of every file, files in parallel on all cores, and on a CPU with AVX-512 16 files
/// at once on each (<see cref="LaneWorker"/>). Cost grows with the bytes of this deploy only, never with the history
/// of the site.
/// </summary>
public static class FileHasher
{
    // Small enough that a chunk is still in the core's L2 cache when SHA-256 reads it back; large enough
    // that most files of a site are read and hashed in one call. Larger reads measured no faster here: copying
    // from the page cache costs the same per byte (scripts/bench-startup.sh).
    internal const int BufferSize = 256 << 10;

    /// <summary>
    /// Hashes every file and returns when all are done. The calling thread hashes too, as one of the workers, and
    /// blocks until the others finish, as <see cref="Parallel.ForEach{TSource}(IEnumerable{TSource}, Action{TSource})"/>
    /// does: this is CPU-bound work, not I/O to wait for.
    /// </summary>
    /// <param name="lanesCompiled">
    /// <see cref="PrepareLanesAsync"/>: until it completes, files are hashed one at a time with OpenSSL rather than
    /// wait for the 16-lane code to be compiled; false: no lanes. Null: lanes where usable, compiled when first used.
    /// </param>
    public static IReadOnlyList<HashedFile> Hash(
        IReadOnlyList<ScannedFile> files, IProgress<long>? bytesHashed, CancellationToken cancellationToken, int? parallelism = null,
        IProgress<int>? filesHashed = null, Task<bool>? lanesCompiled = null) =>
        Hash(files, bytesHashed, cancellationToken, parallelism, filesHashed, lanes: true, lanesCompiled);

    /// <param name="lanes">
    /// Whether threads may hash 16 files at once with AVX-512 (<see cref="LaneWorker"/>), where the CPU has it and
    /// there are files enough to keep their lanes busy; false: one file at a time each, with OpenSSL (tests compare the two).
    /// </param>
    internal static IReadOnlyList<HashedFile> Hash(
        IReadOnlyList<ScannedFile> files, IProgress<long>? bytesHashed, CancellationToken cancellationToken, int? parallelism,
        IProgress<int>? filesHashed, bool lanes, Task<bool>? lanesCompiled = null)
    {
        var hashes = new ContentHash[files.Count];
        var order = LargestFirst(files);
        // An array: through the interface, the framework's indexer called once a file was recompiled twice while hashing.
        var all = files as ScannedFile[] ?? [.. files];
        var workers = Workers(parallelism, files.Count);
        lanes &= UsesLanes(files.Count, workers) && lanesCompiled is not { IsCompletedSuccessfully: true, Result: false };
        var laneLimit = LaneLimit(files, workers);

        // Hashing is CPU-bound: synchronous reads measured 20-30% faster than async reads here (scripts/bench.sh).
        // One thread per core, each taking the next file and keeping its state for all its files (HashWorker), the
        // caller's among them. In a fresh process (every deploy) a plain loop compiled before the first file runs at
        // once: Parallel.ForEach's generic workers were compiled, instrumented and recompiled on the hashing threads
        // while they hashed, and the thread pool had to lend its threads; awaiting tasks of dedicated threads instead
        // compiled the async machinery of every caller up to Main at the first suspension of the deploy, on those two
        // cores, while they hashed (scripts/bench-startup.sh).
        var next = -1;
        Exception? failure = null;
        void Work()
        {
            try
            {
                using var worker = new HashWorker(bytesHashed, filesHashed);
                if (lanes) new LaneWorker(worker, laneLimit, lanesCompiled).Run(all, order, hashes, ref next, ref failure, cancellationToken);
                else worker.Run(all, order, hashes, ref next, ref failure, cancellationToken);
            }
            catch (Exception e)
            {
                // The first failure stops every worker; the user gets that one clear line.
                Interlocked.CompareExchange(ref failure, e, null);
            }
        }

        var helpers = new Thread[workers - 1];
        for (var w = 0; w < helpers.Length; w++)
        {
            helpers[w] = new Thread(Work) { IsBackground = true, Name = "jamdeploy hash" };
            helpers[w].UnsafeStart();
        }
        Work();
        foreach (var helper in helpers) helper.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        cancellationToken.ThrowIfCancellationRequested();
        var hashed = new HashedFile[files.Count];
        for (var i = 0; i < hashed.Length; i++) hashed[i] = new HashedFile(files[i], hashes[i]);
        return hashed;
    }

    private static int Workers(int? parallelism, int files) => Math.Clamp(Math.Min(parallelism ?? Environment.ProcessorCount, files), 1, 64);

    /// <summary>Lanes where the CPU has AVX-512 and each thread has at least half its lanes' worth of files.</summary>
    private static bool UsesLanes(int files, int workers) => Sha256x16.IsSupported && files >= workers * Sha256x16.Lanes / 2;

    /// <summary>
    /// Compiles the 16-lane code (about 11 ms of CPU in a fresh process) when the files are enough to use it and their
    /// bytes to pay it back (lanes save about a third of a nanosecond of CPU a byte over OpenSSL: 32 MiB and up): a
    /// small site never pays for it, a large one starts hashing with OpenSSL meanwhile. False at once otherwise.
    /// </summary>
    public static Task<bool> PrepareLanesAsync(IReadOnlyList<ScannedFile> files)
    {
        if (Bytes(files) < LanesPayBack || !UsesLanes(files.Count, Workers(null, files.Count))) return Task.FromResult(false);
        return Task.Run(static () =>
        {
            Compile([typeof(LaneWorker), typeof(Sha256x16)]);
            return true;
        });
    }

    private const long LanesPayBack = 32L << 20;

    /// <summary>
    /// The largest file a lane takes. A lane hashes at a sixteenth of its thread's rate, so a file of a 32nd of the
    /// thread's share of the bytes keeps its lane busy for half the thread's time: taken early (largest first), it is
    /// done well before the thread runs out of files. A larger one goes to OpenSSL on its own (at 0.6 of the lanes' rate).
    /// </summary>
    internal static long LaneLimit(IReadOnlyList<ScannedFile> files, int workers) =>
        Math.Clamp(Bytes(files) / (workers * 32L), 256L << 10, 16L << 20);

    private static long Bytes(IReadOnlyList<ScannedFile> files)
    {
        long total = 0;
        for (var i = 0; i < files.Count; i++) total += files[i].Length;
        return total;
    }

    /// <summary>
    /// Loads and initialises the platform's SHA-256 (OpenSSL on Linux: tens of milliseconds in a fresh process) and
    /// compiles the per-file methods off the caller's path, so a deploy pays for them while it scans the folder rather
    /// than before it hashes the first file.
    /// </summary>
    public static Task PrepareAsync() => Task.Run(static () =>
    {
        SHA256.HashData(ReadOnlySpan<byte>.Empty);
        NativeSha256.TryCreate()?.Dispose();
        Compile([typeof(HashWorker), typeof(SourceFile), typeof(NativeSha256), .. typeof(SourceFile).GetNestedTypes(BindingFlags.NonPublic)]);
    });

    /// <summary>Compiles the types' methods marked to be compiled once, fully optimised.</summary>
    // The methods are looked up only to be compiled early: the Native AOT build has no JIT (nothing to do here), and a
    // method the trimmer removed is one nothing calls.
    [UnconditionalSuppressMessage("Trimming", "IL2065", Justification = "JIT warm-up only; skipped where code is compiled ahead of time")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "JIT warm-up only; skipped where code is compiled ahead of time")]
    private static void Compile(Type[] types)
    {
        if (!RuntimeFeature.IsDynamicCodeCompiled) return;
        foreach (var type in types)
            foreach (var method in type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (method.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization))
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
    }

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
/// One hashing thread's state, kept for all its files: the read buffer, the path buffer, the SHA-256 state, and the
/// progress not yet reported. Nothing is allocated per file but its digest's name.
/// </summary>
/// <remarks>
/// The per-file methods are compiled once, fully optimised (AggressiveOptimization, by FileHasher.PrepareAsync while
/// the folder is scanned), and call OpenSSL's SHA-256 directly (<see cref="NativeSha256"/>): compiled ahead of time,
/// they and the framework methods under them were hot enough to be compiled twice more (instrumented, then final)
/// while a fresh process hashed. The price is paid by every deploy, about 10 ms of CPU on a one-file site, against a
/// sixth of the CPU of hashing the 392 MB of the Rust docs (scripts/bench-startup.sh).
/// </remarks>
internal sealed class HashWorker : IDisposable
{
    private static readonly long ReportInterval = Stopwatch.Frequency / 20;

    private readonly IProgress<long>? _bytesHashed;
    private readonly IProgress<int>? _filesHashed;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(FileHasher.BufferSize, pinned: true);
    private byte[] _path = new byte[512];
    private readonly NativeSha256? _native;
    private IncrementalHash? _framework;
    private long _pendingBytes, _reportedAt = Stopwatch.GetTimestamp();
    private int _pendingFiles;

    /// <param name="native">False: the framework's SHA-256 even where libcrypto is there (tests compare the two).</param>
    public HashWorker(IProgress<long>? bytesHashed, IProgress<int>? filesHashed, bool native = true)
    {
        (_bytesHashed, _filesHashed) = (bytesHashed, filesHashed);
        _native = native ? NativeSha256.TryCreate() : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(ScannedFile[] files, int[] order, ContentHash[] hashes, ref int next, ref Exception? failure, CancellationToken cancellationToken)
    {
        int k;
        while (Volatile.Read(ref failure) is null && (k = Interlocked.Increment(ref next)) < order.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var i = order[k];
            hashes[i] = Hash(files[i], cancellationToken);
            _pendingFiles++;
            ReportNowAndThen();
        }
        Report();
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

        // A file longer than one read streams through the worker's one SHA-256 state: memory stays one buffer per
        // thread whatever the file's size.
        var framework = _native is null ? _framework ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _native?.Begin();
        Append(framework, chunk[..read]);
        if (read == chunk.Length)
        {
            while ((read = reader.Read(chunk)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _pendingBytes += read;
                Append(framework, chunk[..read]);
                ReportNowAndThen();
            }
        }
        if (framework is null) _native!.Finish(digest);
        else framework.GetHashAndReset(digest);
        return ContentHash.FromLowerHex(LowerHex(digest));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Append(IncrementalHash? framework, ReadOnlySpan<byte> data)
    {
        if (framework is null) _native!.Append(data);
        else framework.AppendData(data);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string LowerHex(ReadOnlySpan<byte> digest)
    {
        Span<char> hex = stackalloc char[2 * SHA256.HashSizeInBytes];
        for (var i = 0; i < digest.Length; i++)
        {
            hex[2 * i] = "0123456789abcdef"[digest[i] >> 4];
            hex[2 * i + 1] = "0123456789abcdef"[digest[i] & 0xF];
        }
        return new string(hex);
    }

    /// <summary>Counts bytes and files hashed elsewhere on this thread (<see cref="LaneWorker"/>) into the next report.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Count(long bytes, int files)
    {
        _pendingBytes += bytes;
        _pendingFiles += files;
        ReportNowAndThen();
    }

    /// <summary>Reports what is not reported yet.</summary>
    public void Flush() => Report();

    /// <summary>Tells progress at most every 50 ms: the display redraws every 100 ms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReportNowAndThen()
    {
        if (Stopwatch.GetTimestamp() - _reportedAt >= ReportInterval) Report();
    }

    private void Report()
    {
        _reportedAt = Stopwatch.GetTimestamp();
        if (_pendingBytes > 0) _bytesHashed?.Report(_pendingBytes);
        if (_pendingFiles > 0) _filesHashed?.Report(_pendingFiles);
        (_pendingBytes, _pendingFiles) = (0, 0);
    }

    public void Dispose()
    {
        _native?.Dispose();
        _framework?.Dispose();
    }
}
