using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Jamdeploy.Model;
using Jamdeploy.Scanning;

namespace Jamdeploy.Hashing;

/// <summary>
/// One hashing thread that keeps 16 files in flight, one in each lane of <see cref="Sha256x16"/>: each lane reads its
/// file a chunk at a time into its own buffer and pads the message after its last bytes; all lanes compress together
/// as many blocks as the emptiest lane has, then the lanes that ran dry read on or take the next file.
/// </summary>
/// <remarks>
/// A lane hashes at a sixteenth of the core's rate, so a file larger than <c>laneLimit</c> (a share of the site such
/// that no lane is left with a long file at the end) is hashed on its own by OpenSSL through the thread's
/// <see cref="HashWorker"/>, which also batches the progress reports; so is every file taken before
/// <c>compiled</c> completes (<see cref="FileHasher.PrepareLanesAsync"/>; null: compiled at first use).
/// </remarks>
internal sealed unsafe class LaneWorker(HashWorker single, long laneLimit, Task<bool>? compiled)
{
    /// <summary>A read per lane: a multiple of the block, 1 MiB of buffers for the 16 lanes of a thread.</summary>
    internal const int ChunkSize = 64 << 10;

    // Room after a short last chunk for its padding: 0x80, zeros, the length in bits (at most two blocks more).
    private const int LaneBytes = ChunkSize + 2 * Sha256x16.BlockSize;
    private const int Lanes = Sha256x16.Lanes;

    private readonly byte[] _buffers = GC.AllocateUninitializedArray<byte>(Lanes * LaneBytes, pinned: true);
    private readonly uint[] _state = GC.AllocateArray<uint>(Sha256x16.StateWords, pinned: true);
    private readonly SourceFile?[] _readers = new SourceFile?[Lanes];
    private readonly int[] _file = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
    private readonly int[] _offset = new int[Lanes], _blocks = new int[Lanes];
    private readonly long[] _length = new long[Lanes];
    private readonly bool[] _ended = new bool[Lanes];
    private byte[] _path = new byte[512];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(ScannedFile[] files, int[] order, ContentHash[] hashes, ref int next, ref Exception? failure, CancellationToken cancellationToken)
    {
        var pointers = stackalloc byte*[Lanes];
        try
        {
            fixed (byte* buffers = _buffers)
            fixed (uint* state = _state)
            {
                var queued = true;
                while (Volatile.Read(ref failure) is null)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var fewest = int.MaxValue;
                    byte* any = null;
                    for (var lane = 0; lane < Lanes; lane++)
                    {
                        if (_file[lane] >= 0 && _blocks[lane] == 0)
                        {
                            if (_ended[lane]) Finish(lane, hashes);
                            else Load(lane);
                        }
                        while (_file[lane] < 0 && queued)
                        {
                            var k = Interlocked.Increment(ref next);
                            if (k >= order.Length)
                            {
                                queued = false;
                                break;
                            }
                            var i = order[k];
                            if (files[i].Length > laneLimit || compiled is { IsCompleted: false })
                            {
                                hashes[i] = single.Hash(files[i], cancellationToken);
                                single.Count(0, 1);
                                continue;
                            }
                            Start(lane, i, files[i]);
                        }
                        if (_file[lane] < 0) continue;
                        pointers[lane] = buffers + lane * LaneBytes + _offset[lane];
                        any = pointers[lane];
                        fewest = Math.Min(fewest, _blocks[lane]);
                    }
                    if (any is null) break;

                    // Lanes without a file compress some other lane's bytes; their state is reset when they get one.
                    for (var lane = 0; lane < Lanes; lane++)
                        if (_file[lane] < 0) pointers[lane] = any;
                    Sha256x16.Compress(state, pointers, fewest);
                    for (var lane = 0; lane < Lanes; lane++)
                    {
                        if (_file[lane] < 0) continue;
                        _offset[lane] += fewest * Sha256x16.BlockSize;
                        _blocks[lane] -= fewest;
                    }
                }
            }
        }
        finally
        {
            for (var lane = 0; lane < Lanes; lane++) _readers[lane]?.Dispose();
            single.Flush();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Start(int lane, int index, ScannedFile file)
    {
        _readers[lane] = SourceFile.Open(file, ref _path);
        (_file[lane], _length[lane], _ended[lane]) = (index, 0, false);
        Sha256x16.Reset(_state, lane);
        Load(lane);
    }

    /// <summary>The lane's next chunk; after the file's last bytes, its padding (FIPS 180-4, 5.1.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Load(int lane)
    {
        var buffer = _buffers.AsSpan(lane * LaneBytes, LaneBytes);
        var read = _readers[lane]!.Read(buffer[..ChunkSize]);
        _length[lane] += read;
        _offset[lane] = 0;
        single.Count(read, 0);
        if (read == ChunkSize)
        {
            _blocks[lane] = ChunkSize / Sha256x16.BlockSize;
            return;
        }
        // A regular file gives a short read only at its end (SourceFile.Read).
        var padded = (read + 1 + 8 + Sha256x16.BlockSize - 1) & -Sha256x16.BlockSize;
        buffer[read] = 0x80;
        // A loop, not Span.Clear: the framework's method, called once a file, would be recompiled twice while hashing.
        for (var i = read + 1; i < padded - 8; i++) buffer[i] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(buffer[(padded - 8)..], (ulong)_length[lane] * 8);
        (_blocks[lane], _ended[lane]) = (padded / Sha256x16.BlockSize, true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish(int lane, ContentHash[] hashes)
    {
        Span<byte> digest = stackalloc byte[32];
        Sha256x16.Digest(_state, lane, digest);
        hashes[_file[lane]] = ContentHash.FromLowerHex(HashWorker.LowerHex(digest));
        _readers[lane]!.Dispose();
        (_readers[lane], _file[lane]) = (null, -1);
        single.Count(0, 1);
    }
}
