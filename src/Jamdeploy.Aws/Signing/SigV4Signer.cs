using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Jamdeploy.Aws.Signing;

/// <summary>
/// AWS Signature Version 4 for header-signed requests, as the published test suite defines it. Small on
/// purpose: jamdeploy signs only its own CloudFront calls, whose paths are already normal (no <c>.</c>,
/// <c>..</c> or empty segments), so path normalisation is not implemented.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public static SigV4Signature Sign(SigV4Request request, SigningCredentials credentials, string region, string service, DateTimeOffset at)
    {
        var amzDate = at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        var scope = $"{day}/{region}/{service}/aws4_request";

        var headers = CanonicalHeaders(request, amzDate, credentials.SessionToken);
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = string.Join('\n',
            request.Method.ToUpperInvariant(),
            CanonicalPath(request.Path, doubleEncode: service != "s3"),
            CanonicalQuery(request.Query),
            string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n")),
            signedHeaders,
            request.PayloadSha256Hex);
        var stringToSign = string.Join('\n', Algorithm, amzDate, scope, Sha256Hex(canonicalRequest));

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), day);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, stringToSign));

        return new SigV4Signature(
            $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}",
            amzDate, signedHeaders, canonicalRequest, stringToSign, signature);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Sha256Hex(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    /// <summary>Lowercase names, sorted; values trimmed with inner runs of spaces collapsed; repeats joined by commas.</summary>
    private static SortedDictionary<string, string> CanonicalHeaders(SigV4Request request, string amzDate, string? sessionToken)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Add(string name, string value)
        {
            var key = name.Trim().ToLowerInvariant();
            var normal = string.Join(' ', value.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
            headers[key] = headers.TryGetValue(key, out var existing) ? existing + "," + normal : normal;
        }

        foreach (var (name, value) in request.Headers)
            if (!IsSignerOwned(name)) Add(name, value);
        Add("host", request.Host);
        Add("x-amz-date", amzDate);
        if (sessionToken is not null) Add("x-amz-security-token", sessionToken);
        return headers;
    }

    private static bool IsSignerOwned(string name) =>
        name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-amz-security-token", StringComparison.OrdinalIgnoreCase)
        || name.Equals("authorization", StringComparison.OrdinalIgnoreCase);

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
    internal static string UriEncode(string text)
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
