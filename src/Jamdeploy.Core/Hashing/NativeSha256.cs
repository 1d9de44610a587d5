using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Jamdeploy.Hashing;

/// <summary>
/// SHA-256 straight from OpenSSL's libcrypto, the library .NET's own SHA-256 calls on Linux, through function
/// pointers: one digest context per hashing thread, reused for every file. The framework's path to the same
/// function goes through a safe handle, a lock-free guard and an algorithm lookup by name on every call, a dozen
/// small methods that a fresh process compiled twice each while it hashed (scripts/bench-startup.sh).
/// Null from <see cref="TryCreate"/> where libcrypto is not found (other systems): the caller uses the framework.
/// </summary>
internal sealed unsafe class NativeSha256 : IDisposable
{
    private static readonly Api? Library = Api.Load();
    private readonly nint _context;

    private NativeSha256(nint context) => _context = context;

    public static NativeSha256? TryCreate()
    {
        if (Library is not { } api) return null;
        var context = api.NewContext();
        return context == 0 ? null : new NativeSha256(context);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Begin()
    {
        if (Library!.Init(_context, Library.Sha256, 0) != 1) throw Failed("EVP_DigestInit_ex");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
            if (Library!.Update(_context, start, (nuint)data.Length) != 1) throw Failed("EVP_DigestUpdate");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Finish(Span<byte> digest)
    {
        if (digest.Length < SHA256.HashSizeInBytes) throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(digest));
        uint length;
        fixed (byte* target = digest)
            if (Library!.Final(_context, target, &length) != 1 || length != SHA256.HashSizeInBytes) throw Failed("EVP_DigestFinal_ex");
    }

    public void Dispose() => Library!.FreeContext(_context);

    private static CryptographicException Failed(string function) => new($"OpenSSL's {function} failed while hashing");

    private sealed class Api(nint newContext, nint freeContext, nint init, nint update, nint final, nint sha256)
    {
        public readonly delegate* unmanaged<nint> NewContext = (delegate* unmanaged<nint>)newContext;
        public readonly delegate* unmanaged<nint, void> FreeContext = (delegate* unmanaged<nint, void>)freeContext;
        public readonly delegate* unmanaged<nint, nint, nint, int> Init = (delegate* unmanaged<nint, nint, nint, int>)init;
        public readonly delegate* unmanaged<nint, byte*, nuint, int> Update = (delegate* unmanaged<nint, byte*, nuint, int>)update;
        public readonly delegate* unmanaged<nint, byte*, uint*, int> Final = (delegate* unmanaged<nint, byte*, uint*, int>)final;
        public readonly nint Sha256 = sha256;

        public static Api? Load()
        {
            if (!OperatingSystem.IsLinux()) return null;
            // The versions .NET itself loads (libssl.so.3, then 1.1); a machine without them hashes with the framework.
            foreach (var name in (string[])["libcrypto.so.3", "libcrypto.so.1.1"])
            {
                if (!NativeLibrary.TryLoad(name, out var library)) continue;
                if (!TryGet(library, "EVP_MD_CTX_new", out var newContext) || !TryGet(library, "EVP_MD_CTX_free", out var freeContext)
                    || !TryGet(library, "EVP_DigestInit_ex", out var init) || !TryGet(library, "EVP_DigestUpdate", out var update)
                    || !TryGet(library, "EVP_DigestFinal_ex", out var final) || !TryGet(library, "EVP_sha256", out var legacy))
                    continue;
                // OpenSSL 3 looks a legacy EVP_sha256() up in its providers on every init; a fetched one is used as is.
                nint sha256 = 0;
                if (TryGet(library, "EVP_MD_fetch", out var fetch))
                    fixed (byte* algorithm = "SHA256\0"u8)
                        sha256 = ((delegate* unmanaged<nint, byte*, byte*, nint>)fetch)(0, algorithm, null);
                if (sha256 == 0) sha256 = ((delegate* unmanaged<nint>)legacy)();
                if (sha256 != 0) return new Api(newContext, freeContext, init, update, final, sha256);
            }
            return null;
        }

        private static bool TryGet(nint library, string name, out nint address) => NativeLibrary.TryGetExport(library, name, out address);
    }
}
