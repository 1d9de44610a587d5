using System.Runtime.InteropServices;

namespace Jamdeploy.Scanning;

/// <summary>What a folder entry is, as the scan must know it: only regular files are deployed.</summary>
internal enum EntryKind { File, Directory, Link, Other }

/// <summary>
/// The kind and size of one entry, without following a link. On Linux one statx(2) gives both and tells a
/// pipe, socket or device (which would block or never end when read) from a file; .NET's own attributes
/// cannot, and cost an lstat plus a geteuid per file. Elsewhere .NET's attributes are used.
/// </summary>
internal static partial class EntryKinds
{
    private static bool _statxMissing;

    /// <summary>True when <see cref="Of"/> needs no attributes from the enumeration (which cost a stat each).</summary>
    public static bool Native => OperatingSystem.IsLinux() && !_statxMissing;

    /// <param name="fullPath">The entry itself, not what a link names.</param>
    /// <param name="sitePath">The entry as the user knows it, for messages.</param>
    /// <param name="portable">.NET's attributes and length from the enumeration; read only when <see cref="Native"/> is false.</param>
    public static (EntryKind Kind, long Length) Of(string fullPath, string sitePath, (FileAttributes Attributes, long Length)? portable)
    {
        if (Native && Statx(fullPath, sitePath) is { } native) return native;
        var (attributes, length) = portable ?? FromDotNet(fullPath);
        if ((attributes & FileAttributes.ReparsePoint) != 0) return (EntryKind.Link, 0);
        if ((attributes & FileAttributes.Directory) != 0) return (EntryKind.Directory, 0);
        return (EntryKind.File, length);
    }

    private static (FileAttributes, long) FromDotNet(string fullPath)
    {
        var info = new FileInfo(fullPath);
        var attributes = info.Attributes;
        return (attributes, (attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) == 0 ? info.Length : 0);
    }

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1, StatxSize = 0x200;
    private const int TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, SymbolicLink = 0xA000;
    private const int ENOENT = 2;

    /// <summary>The fields of struct statx read here; the layout is the same on every Linux architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(40)] public ulong Size;
    }

    private static (EntryKind, long)? Statx(string fullPath, string sitePath)
    {
        StatxBuffer buffer = default;
        int result;
        try
        {
            result = statx(AtFdCwd, fullPath, AtSymlinkNoFollow, StatxType | StatxSize, ref buffer);
        }
        catch (EntryPointNotFoundException)
        {
            _statxMissing = true; // a C library older than statx: .NET's attributes still work
            return null;
        }
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT) throw new UsageException($"'{sitePath}' disappeared while scanning; rerun once the build has finished");
            return null; // let .NET say what is wrong
        }
        return (buffer.Mode & TypeMask) switch
        {
            Regular => (EntryKind.File, (long)buffer.Size),
            Directory => (EntryKind.Directory, 0),
            SymbolicLink => (EntryKind.Link, 0),
            _ => (EntryKind.Other, 0),
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directory, string path, int flags, uint mask, ref StatxBuffer buffer);
}
