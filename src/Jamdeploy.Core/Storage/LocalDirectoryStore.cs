using Jamdeploy.Model;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Jamdeploy.Storage;

/// <summary>
/// The embedded default store: a directory on local disk. Every write lands in a temp file beside its
/// target and becomes visible by one rename or link, so a reader never sees half an object. The
/// compare-and-swap holds an OS file lock (flock), which the kernel releases when a process dies, so two
/// processes on one directory never lose a flip and a killed one never leaves the store locked. A process
/// killed mid-write leaves its temp file behind: cleanup removes it (<see cref="IAbandonedWrites"/>).
/// </summary>
public sealed class LocalDirectoryStore : IObjectStore, IAbandonedWrites, ILocalObjectFiles
{
    private const string TempPrefix = ".tmp-";
    private const string LockFileName = ".lock";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly string _root;

    public LocalDirectoryStore(string rootDirectory)
    {
        _root = Path.GetFullPath(rootDirectory);
    }

    public string Location => _root;

    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(PathOf(key), cancellationToken);
            return new StoredObject(bytes, ETagOf(bytes));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("read", key, e);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        FileStream stream;
        try
        {
            stream = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("read", key, e);
        }
        if (range is not { } r) return Task.FromResult<Stream?>(stream);
        stream.Position = r.From;
        return Task.FromResult<Stream?>(new RangeStream(stream, r.Length));
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? new ObjectInfo(key, info.Length, info.LastWriteTimeUtc, null) : null);
    }

    public async Task<WriteResult> PutAsync(string key, ObjectContent content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        var directory = Path.GetDirectoryName(target)!;
        try
        {
            Directory.CreateDirectory(directory);
            if (condition.Mode == WriteMode.IfAbsent && File.Exists(target)) return WriteResult.ConditionFailed;

            var temp = Path.Combine(directory, TempPrefix + Guid.NewGuid().ToString("N"));
            try
            {
                await WriteVerifiedAsync(temp, content, key, cancellationToken);
                return condition.Mode switch
                {
                    WriteMode.Overwrite => Replace(temp, target, content),
                    WriteMode.IfAbsent => LinkIfAbsent(temp, target, content),
                    WriteMode.IfMatch => await SwapAsync(temp, target, condition.ETag!, content, cancellationToken),
                    _ => throw new ArgumentOutOfRangeException(nameof(condition)),
                };
            }
            finally
            {
                File.Delete(temp);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("write", key, e);
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var slash = prefix.LastIndexOf('/');
        var directory = slash < 0 ? _root : PathOf(prefix[..slash]);
        if (!Directory.Exists(directory)) yield break;

        var found = new List<ObjectInfo>();
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Name.StartsWith(TempPrefix, StringComparison.Ordinal) || file.Name == LockFileName) continue;
            var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            try
            {
                found.Add(new ObjectInfo(key, file.Length, file.LastWriteTimeUtc, null));
            }
            catch (FileNotFoundException)
            {
                // Deleted (by a cleanup) between the directory read and its stat: not there, as S3 would list it.
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var info in found)
        {
            yield return info;
            await Task.CompletedTask;
        }
    }

    public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                File.Delete(PathOf(key));
            }
            catch (DirectoryNotFoundException) { }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Failure("delete", key, e);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AbandonedWrite>> FindAbandonedWritesAsync(DateTimeOffset untouchedSince, CancellationToken cancellationToken)
    {
        var found = new List<AbandonedWrite>();
        if (Directory.Exists(_root))
        {
            foreach (var file in new DirectoryInfo(_root).EnumerateFiles(TempPrefix + "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Untouched(file, untouchedSince) is { } write) found.Add(write);
            }
        }
        return Task.FromResult<IReadOnlyList<AbandonedWrite>>(found);
    }

    public Task<IReadOnlyList<AbandonedWrite>> RemoveAbandonedWritesAsync(IReadOnlyList<AbandonedWrite> writes, DateTimeOffset untouchedSince, CancellationToken cancellationToken)
    {
        var removed = new List<AbandonedWrite>();
        foreach (var write in writes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Looked at again: only a file still untouched goes (a writer paused past the age would fail its
            // rename cleanly, never publish half an object; the object store never sees a temp name).
            var file = new FileInfo(Path.Combine(_root, write.Name.Replace('/', Path.DirectorySeparatorChar)));
            if (!file.Name.StartsWith(TempPrefix, StringComparison.Ordinal) || Untouched(file, untouchedSince) is not { } still) continue;
            try
            {
                file.Delete();
                removed.Add(still);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StoreException($"{_root}: could not remove the abandoned temp file {write.Name}: {e.Message}", e);
            }
        }
        return Task.FromResult<IReadOnlyList<AbandonedWrite>>(removed);
    }

    private AbandonedWrite? Untouched(FileInfo file, DateTimeOffset untouchedSince)
    {
        file.Refresh();
        if (!file.Exists || file.LastWriteTimeUtc > untouchedSince) return null;
        return new AbandonedWrite(Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'), file.Length, file.LastWriteTimeUtc);
    }

    /// <summary>
    /// Copies the body while hashing it, and refuses it when it does not hash to the declared SHA-256: the
    /// local equivalent of S3 rejecting a body whose checksum does not match (a file rewritten mid-deploy).
    /// </summary>
    private static async Task WriteVerifiedAsync(string temp, ObjectContent content, string key, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var source = content.Open())
        await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            // Documents are what make a release reachable; they must not be lost to a power cut after the rename.
            if (!key.StartsWith(StoreLayout.BlobsPrefix, StringComparison.Ordinal)) target.Flush(flushToDisk: true);
        }
        var actual = ContentHash.FromBytes(sha.GetHashAndReset());
        if (actual != content.Sha256) throw content.ChangedWhileStored(key, actual);
    }

    private static WriteResult Replace(string temp, string target, ObjectContent content)
    {
        File.Move(temp, target, overwrite: true);
        return new WriteResult(true, content.Sha256.Hex);
    }

    // link(2) fails when the target exists, so of two writers exactly one succeeds; the temp name is
    // removed by the caller either way.
    private static WriteResult LinkIfAbsent(string temp, string target, ObjectContent content)
    {
        switch (HardLink.TryCreate(temp, target))
        {
            case true:
                return new WriteResult(true, content.Sha256.Hex);
            case false:
                return WriteResult.ConditionFailed;
        }
        // No hard links here (Windows, some network mounts): check-then-rename, atomic for one writer only.
        try
        {
            File.Move(temp, target, overwrite: false);
            return new WriteResult(true, content.Sha256.Hex);
        }
        catch (IOException) when (File.Exists(target))
        {
            return WriteResult.ConditionFailed;
        }
    }

    private async Task<WriteResult> SwapAsync(string temp, string target, string expectedETag, ObjectContent content, CancellationToken cancellationToken)
    {
        await using var held = await AcquireLockAsync(cancellationToken);
        byte[] current;
        try
        {
            current = await File.ReadAllBytesAsync(target, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return WriteResult.ConditionFailed;
        }
        if (ETagOf(current) != expectedETag) return WriteResult.ConditionFailed;
        return Replace(temp, target, content);
    }

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, LockFileName);
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: exclusive across processes.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(Random.Shared.Next(2, 15), cancellationToken);
            }
            catch (IOException e)
            {
                throw new StoreException($"{_root}: could not lock the store within {Durations.Human(LockTimeout)} ({e.Message})", e);
            }
        }
    }

    public string FilePath(string key) => PathOf(key);

    private string PathOf(string key)
    {
        if (key.Length == 0 || key.StartsWith('/') || key.Contains('\\') || key.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"'{key}' is not a store key", nameof(key));
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    private static string ETagOf(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private StoreException Failure(string verb, string key, Exception e) =>
        new($"{_root}: could not {verb} {key}: {e.Message}", e);
}
