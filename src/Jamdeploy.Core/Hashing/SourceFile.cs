using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Jamdeploy.Scanning;
using Microsoft.Win32.SafeHandles;

namespace Jamdeploy.Hashing;

/// <summary>
/// One file of the deploy folder opened for a single sequential read. On Linux it is a bare
/// open/read/close: .NET's own open adds an fstat and a flock/unlock pair per file, which on a site of
/// 10,000 small files costs as much as hashing 20 MB (scripts/bench.sh). A file rewritten meanwhile is
/// caught later, where its bytes are sent against the hash taken here.
/// </summary>
/// <remarks>
/// The per-file methods are compiled once, fully optimised, at their first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): compiled ahead of time (ReadyToRun) they were hot
/// enough to be recompiled twice while a fresh process hashed (instrumented, then final), and so were the
/// framework's UTF-8 encoder and string marshaller behind a string path; the path is encoded here into a
/// buffer the hashing thread keeps (scripts/bench-startup.sh: about a tenth of the CPU of hashing 400 MB).
/// </remarks>
internal abstract partial class SourceFile : IDisposable
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SourceFile Open(ScannedFile file, ref byte[] pathBuffer) =>
        OperatingSystem.IsLinux() ? LinuxFile.OpenFile(file, ref pathBuffer) : PortableFile.OpenFile(file);

    /// <summary>
    /// The next bytes, as many as one read gives: 0 at the end. A regular file gives a short read only at its
    /// end, which spares the extra read that would confirm it on every small file.
    /// </summary>
    public abstract int Read(Span<byte> buffer);

    public abstract void Dispose();

    private static UsageException PermissionDenied(ScannedFile file) =>
        new($"cannot read '{file.SitePath.TrimStart('/')}': permission denied; fix its permissions or add it to Deploy:Ignore");

    private static UsageException Disappeared(ScannedFile file) =>
        new($"'{file.SitePath.TrimStart('/')}' disappeared while deploying; rerun once the build has finished");

    /// <summary>
    /// The path as open(2) wants it, UTF-8 and NUL-terminated, in <paramref name="buffer"/> (grown when too short).
    /// ASCII, what nearly every site path is, is narrowed in place without the framework's encoder.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void EncodePath(string path, ref byte[] buffer)
    {
        if (buffer.Length < path.Length + 1) buffer = new byte[Math.Max(path.Length + 1, buffer.Length * 2)];
        var target = buffer;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c >= 0x80)
            {
                var length = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
                if (target.Length < length) buffer = target = new byte[length];
                target[Encoding.UTF8.GetBytes(path, target)] = 0;
                return;
            }
            target[i] = (byte)c;
        }
        target[path.Length] = 0;
    }

    private sealed partial class LinuxFile(int descriptor, ScannedFile file) : SourceFile
    {
        private const int OpenReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
        private const int EINTR = 4, ENOENT = 2, EACCES = 13, EPERM = 1;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static unsafe LinuxFile OpenFile(ScannedFile file, ref byte[] pathBuffer)
        {
            EncodePath(file.FullPath, ref pathBuffer);
            int descriptor;
            fixed (byte* path = pathBuffer)
            {
                while ((descriptor = open(path, OpenReadOnlyCloseOnExec)) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    throw errno switch
                    {
                        EACCES or EPERM => PermissionDenied(file),
                        ENOENT => Disappeared(file),
                        _ => Failed(file, errno),
                    };
                }
            }
            return new LinuxFile(descriptor, file);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override unsafe int Read(Span<byte> buffer)
        {
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    var read = read_(descriptor, start, buffer.Length);
                    if (read >= 0) return (int)read;
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != EINTR) throw Failed(file, errno);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Dispose() => _ = close(descriptor);

        private static IOException Failed(ScannedFile file, int errno) =>
            new($"cannot read '{file.SitePath.TrimStart('/')}': {Marshal.GetPInvokeErrorMessage(errno)}");

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
        private static unsafe partial int open(byte* path, int flags);

        [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
        private static unsafe partial nint read_(int descriptor, byte* buffer, nint count);

        [LibraryImport("libc", EntryPoint = "close")]
        private static partial int close(int descriptor);
    }

    private sealed class PortableFile(SafeFileHandle handle) : SourceFile
    {
        private long _offset;

        public static PortableFile OpenFile(ScannedFile file)
        {
            try
            {
                return new PortableFile(File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            }
            catch (UnauthorizedAccessException)
            {
                throw PermissionDenied(file);
            }
            catch (FileNotFoundException)
            {
                throw Disappeared(file);
            }
        }

        public override int Read(Span<byte> buffer)
        {
            var read = RandomAccess.Read(handle, buffer, _offset);
            _offset += read;
            return read;
        }

        public override void Dispose() => handle.Dispose();
    }
}
