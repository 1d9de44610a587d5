using System.Globalization;
using System.Text;

namespace Jamdeploy.Aws.Signing;

/// <summary>A canonical request and the header names it signs, in the form both SigV4 and SigV4A hash.</summary>
public sealed record CanonicalRequest(string Text, string SignedHeaders);

/// <summary>
/// The canonical request of SigV4, which SigV4A shares unchanged (one canonicalization, two algorithms):
/// method, path, query, the signed headers, their names, and the payload hash. Small on purpose: jamdeploy
/// signs only its own calls, whose paths are already normal (no <c>.</c>, <c>..</c> or empty segments), so
/// path normalisation is not implemented. Also used by the test fakes to check a signature they receive.
/// </summary>
public static class SigV4Canonical
{
    /// <param name="headers">Every header to sign, signer-owned ones (host, x-amz-date, …) included.</param>
    /// <param name="doubleEncodePath">Every service but S3 encodes the (already encoded) path once more.</param>
    public static CanonicalRequest Build(
        string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, string payloadSha256Hex, bool doubleEncodePath)
    {
        var canonical = CanonicalHeaders(headers);
        var signedHeaders = string.Join(';', canonical.Keys);
        var text = string.Join('\n',
            method.ToUpperInvariant(),
            CanonicalPath(path, doubleEncodePath),
            CanonicalQuery(query),
            string.Concat(canonical.Select(h => $"{h.Key}:{h.Value}\n")),
            signedHeaders,
            payloadSha256Hex);
        return new CanonicalRequest(text, signedHeaders);
    }

    /// <summary>Lowercase names, sorted; values trimmed with inner runs of spaces collapsed; repeats joined by commas.</summary>
    private static SortedDictionary<string, string> CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var canonical = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            var normal = string.Join(' ', value.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
            canonical[key] = canonical.TryGetValue(key, out var existing) ? existing + "," + normal : normal;
        }
        return canonical;
    }

    private static string CanonicalPath(string path, bool doubleEncode)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        if (!doubleEncode) return path;
        return string.Join('/', path.Split('/').Select(UriEncode));
    }

    /// <summary>Each name and value decoded from the wire, then encoded strictly; sorted by name, then value.</summary>
    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query)) return "";
        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part =>
            {
                var equals = part.IndexOf('=');
                var name = equals < 0 ? part : part[..equals];
                var value = equals < 0 ? "" : part[(equals + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>RFC 3986 encoding: everything but A–Z a–z 0–9 - . _ ~ as %XX of its UTF-8 bytes, upper-case hex.</summary>
    public static string UriEncode(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~') builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
