using static System.FormattableString;

namespace Jamdeploy.Model;

/// <summary>
/// The site paths the edges serve: <c>jamdeploy serve</c> (src/Jamdeploy.Edge, RequestTarget and EdgeEndpoints) and the
/// CloudFront edge (src/Jamdeploy.CloudFrontEdge, whose limits copy serve's shipped defaults and are pinned to them by
/// tests). Deploy refuses a file whose path they would refuse, so a release never holds a file no request can reach.
/// The characters a name may hold are the scanner's to check (it is stricter: C1 controls, lone surrogates).
/// </summary>
public static class SitePaths
{
    /// <summary>Serve:MaxPathLength's default: longer decoded request paths are answered 414.</summary>
    public const int DefaultMaxLength = 1024;

    /// <summary>
    /// The longest path, as a client must send it (percent-encoded UTF-8, see <see cref="EncodedLength"/>), that the
    /// request line leaves room for: Kestrel and CloudFront answer a longer URL 414 whatever the decoded length
    /// (Kestrel's MaxRequestLineSize and CloudFront's URL limit are both 8,192 bytes; the method, a short query and the
    /// protocol take the rest).
    /// </summary>
    public const int MaxEncodedLength = 8000;

    /// <summary>Everything under it belongs to the edge (health, purge, previews) and is never looked up in a release.</summary>
    public const string ReservedPrefix = "/_jamdeploy";

    /// <summary>The path or one of its folders is <see cref="ReservedPrefix"/> (case-insensitive, as URL routing is).</summary>
    public static bool IsReserved(string path) =>
        path.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase)
        && (path.Length == ReservedPrefix.Length || path[ReservedPrefix.Length] == '/');

    /// <summary>No empty segment (except the trailing one of a folder URL), no <c>.</c>, no <c>..</c>.</summary>
    public static bool HasOnlyNamedSegments(string path)
    {
        var start = 1;
        while (start <= path.Length)
        {
            var end = path.IndexOf('/', start);
            if (end < 0) end = path.Length;
            var segment = path.AsSpan(start, end - start);
            var isLast = end == path.Length;
            if (segment.IsEmpty && !isLast) return false;
            if (segment is "." or "..") return false;
            start = end + 1;
        }
        return true;
    }

    /// <summary>
    /// Why the edges never serve the file at <paramref name="path"/> (<c>/</c>-separated, NFC), or null when they do.
    /// A page is checked under its own name, not a clean URL: its name must be a URL that reaches it.
    /// </summary>
    public static string? Refusal(string path, int maxLength)
    {
        if (!HasOnlyNamedSegments(path)) return "has an empty, '.' or '..' folder name, which the edges refuse";
        if (IsReserved(path)) return $"is under {ReservedPrefix}/, which the edges keep for themselves and never serve from a release";
        if (path.Length > maxLength)
            return Invariant($"is {path.Length:N0} characters long as a URL path; the edges answer paths over {maxLength:N0} (Serve:MaxPathLength) with 414");
        // No character takes more than 9 encoded (%XX%XX%XX; a surrogate pair's 12 are two characters): most paths need no count.
        if (path.Length * 9 <= MaxEncodedLength) return null;
        var encoded = EncodedLength(path);
        if (encoded > MaxEncodedLength)
            return Invariant($"is {encoded:N0} characters long as a URL (percent-encoded UTF-8); the edges answer URLs over {MaxEncodedLength:N0} with 414");
        return null;
    }

    /// <summary>
    /// The path's length as a link must write it: printable ASCII as is, except what a path cannot hold raw
    /// (space, <c>"#%&lt;&gt;?[\]^`{|}</c>), and every other character as its UTF-8 bytes, each <c>%XX</c>.
    /// </summary>
    public static int EncodedLength(string path)
    {
        var length = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c < 0x80) length += c > ' ' && c < 0x7F && !MustEncode.Contains(c) ? 1 : 3;
            else if (c < 0x800) length += 6;
            else if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1])) { length += 12; i++; }
            else length += 9;
        }
        return length;
    }

    private const string MustEncode = "\"#%<>?[\\]^`{|}";
}
