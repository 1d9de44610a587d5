using System.Buffers;
using System.Text;
using Jamdeploy.Model;

namespace Jamdeploy.Edge;

/// <summary>Why a request target was refused.</summary>
public enum TargetRejection { None, BadRequest, TooLong }

/// <summary>
/// The decoded path (and the untouched query) of a request target, decoded once and strictly from the
/// raw target the client sent, so what is looked up is exactly what was checked. Paths never reach a
/// file system: they are keys of a manifest. The checks are there so that no spelling of a path can mean
/// two things to two layers (the CDN, Kestrel, this server): dot segments, encoded slashes, backslashes,
/// control bytes, empty segments and invalid or overlong UTF-8 are refused rather than normalised.
/// </summary>
public readonly record struct RequestTarget(string Path, string Query)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static TargetRejection TryParse(string rawTarget, int maxPathLength, out RequestTarget target)
    {
        target = default;
        var raw = rawTarget.AsSpan();

        // Absolute form (a proxy-style "GET http://host/path"): only the path part counts.
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var afterScheme = raw.IndexOf("//", StringComparison.Ordinal) + 2;
            var slash = raw[afterScheme..].IndexOfAny('/', '?');
            if (slash < 0 || raw[afterScheme + slash] != '/') return TargetRejection.BadRequest;
            raw = raw[(afterScheme + slash)..];
        }
        if (raw.IsEmpty || raw[0] != '/') return TargetRejection.BadRequest;

        var queryAt = raw.IndexOf('?');
        var query = queryAt < 0 ? "" : raw[queryAt..].ToString();
        var encoded = queryAt < 0 ? raw : raw[..queryAt];
        if (encoded.Contains('#')) return TargetRejection.BadRequest;
        // Every decoded character takes at least one raw byte, except multi-byte UTF-8 which only shrinks.
        if (encoded.Length > maxPathLength * 9) return TargetRejection.TooLong;

        // The common case, printable ASCII with nothing encoded, is already decoded and in NFC.
        if (encoded.IndexOfAnyExceptInRange('!', '~') < 0 && !encoded.ContainsAny('%', '\\'))
        {
            if (encoded.Length > maxPathLength) return TargetRejection.TooLong;
            var plain = encoded.ToString();
            if (!SitePaths.HasOnlyNamedSegments(plain)) return TargetRejection.BadRequest;
            target = new RequestTarget(plain, query);
            return TargetRejection.None;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            var n = 0;
            for (var i = 0; i < encoded.Length; i++)
            {
                var c = encoded[i];
                byte b;
                if (c == '%')
                {
                    if (i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2])) return TargetRejection.BadRequest;
                    b = (byte)(HexValue(encoded[i + 1]) << 4 | HexValue(encoded[i + 2]));
                    // An encoded slash would be a path separator to one layer and a name character to another.
                    if (b == (byte)'/') return TargetRejection.BadRequest;
                    i += 2;
                }
                else if (c > 0x7F)
                {
                    return TargetRejection.BadRequest;
                }
                else
                {
                    b = (byte)c;
                }
                if (b < 0x20 || b == 0x7F || b == (byte)'\\') return TargetRejection.BadRequest;
                bytes[n++] = b;
            }

            string path;
            try
            {
                path = StrictUtf8.GetString(bytes, 0, n);
            }
            catch (DecoderFallbackException)
            {
                return TargetRejection.BadRequest;
            }
            if (path.Length > maxPathLength) return TargetRejection.TooLong;
            if (!SitePaths.HasOnlyNamedSegments(path)) return TargetRejection.BadRequest;
            if (!path.IsNormalized(NormalizationForm.FormC)) path = path.Normalize(NormalizationForm.FormC);
            target = new RequestTarget(path, query);
            return TargetRejection.None;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
