using System.Security.Cryptography;
using Jamdeploy.Deploying;
using Jamdeploy.Hashing;
using Jamdeploy.Scanning;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Hashing;

public sealed class FileHasherTests : IDisposable
{
    private readonly TempDirectory _dir = new("hash");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int> SizesAroundTheReadBuffer => new()
    {
        0, 1, FileHasher.BufferSize - 1, FileHasher.BufferSize, FileHasher.BufferSize + 1, 3 * FileHasher.BufferSize + 17,
    };

    [Theory]
    [MemberData(nameof(SizesAroundTheReadBuffer))]
    public async Task Hash_IsTheSha256OfTheWholeFile(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var path = _dir.Combine("site/file.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes);

        long reported = 0;
        var hashed = await FileHasher.HashAsync([new ScannedFile("/file.bin", path, size)],
            new InlineProgress<long>(n => Interlocked.Add(ref reported, n)), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), hashed.Single().Hash.Hex);
        Assert.Equal(size, reported);
    }

    [Fact]
    public async Task Hash_ManyFilesInParallel_EachGetsItsOwnDigest()
    {
        var files = Enumerable.Range(0, 200).Select(i =>
        {
            var path = _dir.Write($"site/f{i}.txt", new string('x', i * 997));
            return new ScannedFile($"/f{i}.txt", path, i * 997);
        }).ToList();

        var hashed = await FileHasher.HashAsync(files, null, CancellationToken.None, parallelism: 4);

        Assert.Equal(files.Select(f => f.SitePath), hashed.Select(h => h.SitePath));
        Assert.All(hashed, h => Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(h.File.FullPath))), h.Hash.Hex));
    }

    [Fact]
    public async Task Hash_FileGoneSinceTheScan_NamesItInOneLine()
    {
        var file = new ScannedFile("/gone.html", _dir.Combine("site/gone.html"), 10);

        var e = await Assert.ThrowsAsync<UsageException>(() => FileHasher.HashAsync([file], null, CancellationToken.None));

        Assert.Equal("'gone.html' disappeared while deploying; rerun once the build has finished", e.Message);
    }

}
