using System.Security.Cryptography;
using Jamdeploy.Deploying;
using Jamdeploy.Hashing;
using Jamdeploy.Scanning;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Hashing;

public sealed class FileHasherTests : IDisposable
{
    private const int Timeout = 60_000;

    private readonly TempDirectory _dir = new("hash");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int> SizesAroundTheReadBuffer => new()
    {
        0, 1, FileHasher.BufferSize - 1, FileHasher.BufferSize, FileHasher.BufferSize + 1, 3 * FileHasher.BufferSize + 17,
    };

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(SizesAroundTheReadBuffer))]
    public async Task Hash_IsTheSha256OfTheWholeFile(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var path = _dir.Combine("site/file.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes);

        long reported = 0;
        var hashed = await HashOffThread([new ScannedFile("/file.bin", path, size)],
            new InlineProgress<long>(n => Interlocked.Add(ref reported, n)), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), hashed.Single().Hash.Hex);
        Assert.Equal(size, reported);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_ManyFilesInParallel_EachGetsItsOwnDigest()
    {
        var files = Enumerable.Range(0, 200).Select(i =>
        {
            var path = _dir.Write($"site/f{i}.txt", new string('x', i * 997));
            return new ScannedFile($"/f{i}.txt", path, i * 997);
        }).ToList();

        var hashed = await HashOffThread(files, null, CancellationToken.None, parallelism: 4);

        Assert.Equal(files.Select(f => f.SitePath), hashed.Select(h => h.SitePath));
        Assert.All(hashed, h => Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(h.File.FullPath))), h.Hash.Hex));
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_FileGoneSinceTheScan_NamesItInOneLine()
    {
        var file = new ScannedFile("/gone.html", _dir.Combine("site/gone.html"), 10);

        var e = await Assert.ThrowsAsync<UsageException>(() => HashOffThread([file], null, CancellationToken.None));

        Assert.Equal("'gone.html' disappeared while deploying; rerun once the build has finished", e.Message);
    }

    [Theory]
    [MemberData(nameof(SizesAroundTheReadBuffer))]
    public void Hash_OpenSslDirectAndFrameworkSha256_Agree(int size)
    {
        // Where libcrypto is found the workers call it directly; elsewhere they use the framework. Both, and a second
        // file through the same worker (its digest state reused), give the file's SHA-256.
        var file = WriteRandom($"site/n{size}.bin", size, seed: size);
        var next = WriteRandom($"site/m{size}.bin", size / 2 + 3, seed: size + 1);
        if (OperatingSystem.IsLinux()) Assert.NotNull(NativeSha256.TryCreate());

        foreach (var native in (bool[])[true, false])
        {
            using var worker = new HashWorker(null, null, native);
            Assert.Equal(Sha256Of(file.FullPath), worker.Hash(file, CancellationToken.None).Hex);
            Assert.Equal(Sha256Of(next.FullPath), worker.Hash(next, CancellationToken.None).Hex);
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_OneWorker_LongAndShortFilesInTurn_EachGetsItsOwnDigest()
    {
        // One thread hashes every file with the one SHA-256 state it keeps for files longer than a read: a digest
        // must not carry bytes of the file before it.
        int[] sizes = [3 * FileHasher.BufferSize + 5, 7, 0, 2 * FileHasher.BufferSize, FileHasher.BufferSize + 1, 1];
        var files = sizes.Select((size, i) => WriteRandom($"site/f{i}.bin", size, seed: i)).ToList();

        var hashed = await HashOffThread(files, null, CancellationToken.None, parallelism: 1);

        Assert.Equal(files.Select(f => f.SitePath), hashed.Select(h => h.SitePath));
        Assert.All(hashed, h => Assert.Equal(Sha256Of(h.File.FullPath), h.Hash.Hex));
    }

    [Theory(Timeout = Timeout)]
    [InlineData("caf\u00e9/\u00fcber-\u65e5\u672c.html")] // UTF-8 of two and three bytes a character
    [InlineData("\u0041\u030a-decomposed.html")] // a combining mark: the name on disk, not its NFC form, is opened
    public async Task Hash_NonAsciiPath_OpensTheFileByItsUtf8Name(string name)
    {
        var file = WriteRandom("site/" + name, 1000, seed: 3);

        var hashed = await HashOffThread([file], null, CancellationToken.None);

        Assert.Equal(Sha256Of(file.FullPath), hashed.Single().Hash.Hex);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_PathLongerThanTheWorkersPathBuffer_IsOpened()
    {
        // Folders nested deep enough that the path passes the 512 bytes the worker starts with, then a longer one.
        var shorter = WriteRandom(string.Join('/', Enumerable.Repeat(new string('a', 60), 9)) + "/x.html", 10, seed: 1);
        var longer = WriteRandom(string.Join('/', Enumerable.Repeat(new string('\u00e9', 60), 15)) + "/y.html", 20, seed: 2);

        var hashed = await HashOffThread([shorter, longer], null, CancellationToken.None, parallelism: 1);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(shorter.FullPath) > 512);
        Assert.All(hashed, h => Assert.Equal(Sha256Of(h.File.FullPath), h.Hash.Hex));
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_FileChangedSizeSinceTheScan_IsTheHashOfWhatIsThereNow()
    {
        // The scan's length is not trusted for reading: a file grown or cut short by a build still running hashes
        // as the bytes read (the upload later checks them against this hash).
        var grown = WriteRandom("site/grown.bin", 2 * FileHasher.BufferSize + 3, seed: 5) with { Length = 10 };
        var shrunk = WriteRandom("site/shrunk.bin", 5, seed: 6) with { Length = 3 * FileHasher.BufferSize };

        long reported = 0;
        var hashed = await HashOffThread([grown, shrunk], new InlineProgress<long>(n => Interlocked.Add(ref reported, n)), CancellationToken.None);

        Assert.Equal(Sha256Of(grown.FullPath), hashed[0].Hash.Hex);
        Assert.Equal(Sha256Of(shrunk.FullPath), hashed[1].Hash.Hex);
        Assert.Equal(2 * FileHasher.BufferSize + 3 + 5, reported);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_Progress_CountsEveryByteAndFileOnce()
    {
        // Reports come in batches; together they still add up to the site.
        var files = Enumerable.Range(0, 300).Select(i => WriteRandom($"site/p{i}.bin", i % 7 == 0 ? FileHasher.BufferSize + i : i * 31, seed: i)).ToList();
        long bytes = 0, filesDone = 0;

        await HashOffThread(files, new InlineProgress<long>(n => Interlocked.Add(ref bytes, n)), CancellationToken.None, parallelism: 2,
            filesHashed: new InlineProgress<int>(n => Interlocked.Add(ref filesDone, n)));

        Assert.Equal(files.Sum(f => f.Length), bytes);
        Assert.Equal(files.Count, filesDone);
    }

    public static TheoryData<bool> LanesOrNot => new() { true, false };

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(LanesOrNot))]
    public async Task Hash_SizesAroundBlocksChunksAndTheLaneLimit_EachIsTheSha256OfItsFile(bool lanes)
    {
        // With lanes, 16 files a thread are hashed at once, each padded by the hasher: sizes where the padding takes
        // one block or two, around a lane's read, above the largest file a lane takes (OpenSSL alone), and empty.
        if (lanes && !Sha256x16.IsSupported) return; // AVX-512: this project's machines and CI have it
        const int chunk = LaneWorker.ChunkSize;
        int[] sizes = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, chunk - 9, chunk - 8, chunk - 1, chunk, chunk + 1, chunk + 55,
            2 * chunk, 2 * chunk + 100, (256 << 10) + 1, 700_000, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41];
        var files = sizes.Select((size, i) => WriteRandom($"site/s{i}.bin", size, seed: 100 + i)).ToList();
        long bytes = 0, done = 0;

        var hashed = await Task.Run(() => FileHasher.Hash(files, new InlineProgress<long>(n => Interlocked.Add(ref bytes, n)), CancellationToken.None,
            parallelism: 2, new InlineProgress<int>(n => Interlocked.Add(ref done, n)), lanes));

        Assert.True(FileHasher.LaneLimit(files, 2) < 700_000);
        Assert.All(hashed, h => Assert.Equal(Sha256Of(h.File.FullPath), h.Hash.Hex));
        Assert.Equal(sizes.Sum(x => (long)x), bytes);
        Assert.Equal(files.Count, done);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_LaneCodeStillCompiling_HashesEveryFileWithoutWaitingForIt()
    {
        // A deploy starts hashing while the 16-lane code is compiled: until then each file goes to OpenSSL alone.
        var files = Enumerable.Range(0, 40).Select(i => WriteRandom($"site/w{i}.bin", 1000 * i + 7, seed: i)).ToList();
        var neverCompiled = new TaskCompletionSource<bool>().Task;

        var hashed = await Task.Run(() => FileHasher.Hash(files, null, CancellationToken.None, parallelism: 2, lanesCompiled: neverCompiled));

        Assert.All(hashed, h => Assert.Equal(Sha256Of(h.File.FullPath), h.Hash.Hex));
    }

    [Fact(Timeout = Timeout)]
    public async Task PrepareLanesAsync_SiteTooSmallToPayForTheLaneCode_IsFalseAtOnce()
    {
        // 100 files of 1 KiB: lanes would save less than compiling them costs; a deploy hashes them with OpenSSL.
        var files = Enumerable.Range(0, 100).Select(i => new ScannedFile($"/f{i}", $"f{i}", 1024)).ToList();

        var prepared = FileHasher.PrepareLanesAsync(files);

        Assert.True(prepared.IsCompletedSuccessfully);
        Assert.False(await prepared);
    }

    [Fact]
    public void Sha256x16_SixteenMessagesOfDifferentLengths_EachLaneGetsItsDigest()
    {
        if (!Sha256x16.IsSupported) return; // AVX-512: this project's machines and CI have it
        var state = new uint[Sha256x16.StateWords];
        var messages = Enumerable.Range(0, Sha256x16.Lanes).Select(i => RandomBytes(64 * (i + 1) - 9, seed: i)).ToArray();
        var padded = messages.Select(Padded).ToArray();
        for (var lane = 0; lane < Sha256x16.Lanes; lane++) Sha256x16.Reset(state, lane);

        // Every lane compresses a block at a time; a lane whose message is done compresses the next lane's again
        // (its state is read before that), as LaneWorker does.
        var digests = new string?[Sha256x16.Lanes];
        for (var block = 0; digests.Any(d => d is null); block++)
        {
            for (var lane = 0; lane < Sha256x16.Lanes; lane++)
                if (digests[lane] is null && block == padded[lane].Length / 64) digests[lane] = DigestOf(state, lane);
            Compress(state, padded.Select(p => (ReadOnlyMemory<byte>)p.AsMemory(Math.Min(block, p.Length / 64 - 1) * 64, 64)).ToArray());
        }

        for (var lane = 0; lane < Sha256x16.Lanes; lane++) Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(messages[lane])), digests[lane]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_Lanes_FileGoneSinceTheScan_NamesItInOneLine()
    {
        var files = Enumerable.Range(0, 40).Select(i => WriteRandom($"site/g{i}.bin", 100 * i, seed: i)).ToList();
        files.Insert(17, new ScannedFile("/gone.html", _dir.Combine("site/gone.html"), 10));

        var e = await Assert.ThrowsAsync<UsageException>(() => Task.Run(() => FileHasher.Hash(files, null, CancellationToken.None, 2, null, lanes: true)));

        Assert.Equal("'gone.html' disappeared while deploying; rerun once the build has finished", e.Message);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_OneWorker_IsTheCallingThread()
    {
        // The caller hashes as one of the workers; with one worker no thread is started (and in a fresh process no
        // task machinery is compiled while the files are hashed).
        var files = Enumerable.Range(0, 3).Select(i => WriteRandom($"site/t{i}.bin", FileHasher.BufferSize + i, seed: i)).ToList();

        var (caller, reporters) = await Task.Run(() =>
        {
            var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            FileHasher.Hash(files, new InlineProgress<long>(_ => threads[Environment.CurrentManagedThreadId] = true), CancellationToken.None, parallelism: 1);
            return (Environment.CurrentManagedThreadId, threads.Keys.ToArray());
        });

        Assert.Equal([caller], reporters);
    }

    [Fact]
    public void LargestFirst_OrdersByLengthDescending_TiesInScanOrder()
    {
        ScannedFile[] files = [new("/a", "a", 5), new("/b", "b", 100), new("/c", "c", 5), new("/d", "d", 0), new("/e", "e", 1L << 40)];

        Assert.Equal([4, 1, 0, 2, 3], FileHasher.LargestFirst(files));
    }

    [Fact(Timeout = Timeout)]
    public async Task PrepareAsync_CompilesAheadOfTheFirstFile_ThenHashesAsUsual()
    {
        var file = WriteRandom("site/prepared.bin", FileHasher.BufferSize + 9, seed: 8);

        await FileHasher.PrepareAsync();
        var hashed = await HashOffThread([file], null, CancellationToken.None);

        Assert.Equal(Sha256Of(file.FullPath), hashed.Single().Hash.Hex);
    }

    [Fact(Timeout = Timeout)]
    public async Task Hash_Cancelled_StopsWithCancellation()
    {
        var files = Enumerable.Range(0, 20).Select(i => WriteRandom($"site/c{i}.bin", 1000, seed: i)).ToList();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => HashOffThread(files, null, cancelled.Token));
    }

    /// <summary>Hashing blocks its caller; off the test's thread, the test's timeout still ends a hang.</summary>
    private static Task<IReadOnlyList<HashedFile>> HashOffThread(
        IReadOnlyList<ScannedFile> files, IProgress<long>? bytesHashed, CancellationToken cancellationToken, int? parallelism = null,
        IProgress<int>? filesHashed = null) =>
        Task.Run(() => FileHasher.Hash(files, bytesHashed, cancellationToken, parallelism, filesHashed));

    private ScannedFile WriteRandom(string relative, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = _dir.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return new ScannedFile("/" + relative, path, size);
    }

    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The message padded as FIPS 180-4 5.1.1 says: 0x80, zeros, the length in bits, to a whole block.</summary>
    private static byte[] Padded(byte[] message)
    {
        var padded = new byte[(message.Length + 9 + 63) / 64 * 64];
        message.CopyTo(padded, 0);
        padded[message.Length] = 0x80;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(padded.AsSpan(padded.Length - 8), (ulong)message.Length * 8);
        return padded;
    }

    private static unsafe void Compress(uint[] state, ReadOnlyMemory<byte>[] blocks)
    {
        var handles = blocks.Select(b => b.Pin()).ToArray();
        try
        {
            var pointers = stackalloc byte*[Sha256x16.Lanes];
            for (var lane = 0; lane < Sha256x16.Lanes; lane++) pointers[lane] = (byte*)handles[lane].Pointer;
            fixed (uint* s = state) Sha256x16.Compress(s, pointers, 1);
        }
        finally
        {
            foreach (var handle in handles) handle.Dispose();
        }
    }

    private static string DigestOf(uint[] state, int lane)
    {
        var digest = new byte[32];
        Sha256x16.Digest(state, lane, digest);
        return Convert.ToHexStringLower(digest);
    }

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
