using System.Globalization;
using System.Text;

namespace Jamdeploy.Invalidation;

/// <summary>
/// URL paths in the form CloudFront's invalidation API wants them. Its rule: percent-encode non-ASCII
/// characters and the characters RFC 1738 calls unsafe, and nothing else, or the path will not match what
/// viewers requested. So <c>/ü b.html</c> becomes <c>/%C3%BC%20b.html</c>, <c>?</c> and <c>#</c> (which would
/// otherwise end the path) and <c>%</c> itself are encoded, and the reserved characters browsers send as they
/// are (<c>; : @ = &amp; $ + , ! ' ( ) *</c> and <c>~</c>, which RFC 3986 made unreserved) stay as they are.
/// </summary>
/// <remarks>
/// <para><b>The <c>*</c> problem.</b> CloudFront reads a <c>*</c> at the end of a path as a wildcard, and has no
/// escape for it (<c>%2A</c> would no longer match the URL browsers send, which carries a plain <c>*</c>). A
/// file whose name ends with <c>*</c> (<c>/notes/todo*</c>) is therefore invalidated by that same path used as a
/// prefix wildcard: it covers the file itself, plus any other URL starting with <c>/notes/todo</c>. That is
/// more than needed, never less, and it is counted (and batched) as one of the 15 wildcards. A <c>*</c>
/// anywhere else in a name is literal for CloudFront and stays as it is.</para>
/// </remarks>
public static class CdnPath
{
    /// <summary>True when CloudFront will treat the (encoded) path as a prefix wildcard.</summary>
    public static bool IsWildcard(string cdnPath) => cdnPath.EndsWith('*');

    /// <summary>The wildcard that covers everything under a directory URL ending with <c>/</c>.</summary>
    public static string Under(string directoryUrl) => Encode(directoryUrl) + "*";

    /// <summary>Encodes a URL path (starting with <c>/</c>, not yet encoded) by CloudFront's rules.</summary>
    public static string Encode(string urlPath)
    {
        var builder = new StringBuilder(urlPath.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < urlPath.Length; i++)
        {
            var c = urlPath[i];
            if (c < 0x80 && !IsUnsafe(c))
            {
                builder.Append(c);
                continue;
            }
            var length = char.IsHighSurrogate(c) && i + 1 < urlPath.Length
                ? Encoding.UTF8.GetBytes(urlPath.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(urlPath.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>
    /// RFC 1738 §2.2 unsafe characters (space <c>" # % &lt; &gt; { } | \ ^ [ ] `</c>) and controls, plus <c>?</c>,
    /// which would start a query. <c>~</c> is listed there too, but browsers send it unencoded (RFC 3986), so
    /// encoding it would miss the cached URL.
    /// </summary>
    private static bool IsUnsafe(char c) =>
        c <= 0x20 || c == 0x7F || c is '"' or '#' or '%' or '<' or '>' or '{' or '}' or '|' or '\\' or '^' or '[' or ']' or '`' or '?';
}
