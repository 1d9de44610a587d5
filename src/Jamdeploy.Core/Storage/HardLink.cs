using System.Runtime.InteropServices;

namespace Jamdeploy.Storage;

/// <summary>
/// link(2): creates a name for an existing file and fails if the name is taken, in one step. It is what
/// makes put-if-absent atomic on the local store: .NET's File.Move without overwrite checks the target and
/// then renames, so two writers could both believe they created the object.
/// </summary>
internal static partial class HardLink
{
    private const int EEXIST = 17;

    /// <returns>False when <paramref name="link"/> already exists; null where hard links are not available.</returns>
    public static bool? TryCreate(string existing, string link)
    {
        if (OperatingSystem.IsWindows()) return null;
        if (Create(existing, link) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EEXIST) return false;
        // A file system without hard links (some network and FUSE mounts) says so with one of several errors.
        return null;
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Create(string existing, string link);
}
