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
/// file in flight. Cost grows with the bytes of this deploy only, never with the history of the site.
/// </summary>
public static class FileHasher
{
    private const int BufferSize = 1 << 20;

    public static async Task<IReadOnlyList<HashedFile>> HashAsync(
        IReadOnlyList<ScannedFile> files, IProgress<long>? bytesHashed, CancellationToken cancellationToken, int? parallelism = null)
    {
        var hashes = new ContentHash[files.Count];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        // Largest first, so one big file does not start last and leave the other cores idle.
        var order = Enumerable.Range(0, files.Count).OrderByDescending(i => files[i].Length);
        await Parallel.ForEachAsync(order, options, async (i, ct) =>
        {
            hashes[i] = await HashFileAsync(files[i], bytesHashed, ct);
        });
        return [.. files.Select((f, i) => new HashedFile(f, hashes[i]))];
    }

    public static async Task<ContentHash> HashFileAsync(ScannedFile file, IProgress<long>? bytesHashed, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var handle = Open(file);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            int read;
            while ((read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, BufferSize), offset, cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                offset += read;
                bytesHashed?.Report(read);
            }
            return ContentHash.FromBytes(sha.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle Open(ScannedFile file)
    {
        try
        {
            return File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read '{file.SitePath.TrimStart('/')}': permission denied; fix its permissions or add it to Deploy:Ignore");
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"'{file.SitePath.TrimStart('/')}' disappeared while deploying; rerun once the build has finished");
        }
    }
}
