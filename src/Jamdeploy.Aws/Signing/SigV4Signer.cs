using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Jamdeploy.Aws.Signing;

/// <summary>
/// AWS Signature Version 4 for header-signed requests, as the published test suite defines it. The canonical
/// request is <see cref="SigV4Canonical"/>'s, shared with <see cref="SigV4aSigner"/>.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public static SigV4Signature Sign(SigV4Request request, SigningCredentials credentials, string region, string service, DateTimeOffset at)
    {
        var amzDate = AmzDate(at);
        var day = amzDate[..8];
        var scope = $"{day}/{region}/{service}/aws4_request";

        var canonical = Canonicalize(request, amzDate, credentials.SessionToken, regionSet: null, service);
        var stringToSign = string.Join('\n', Algorithm, amzDate, scope, Sha256Hex(canonical.Text));

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), day);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, stringToSign));

        return new SigV4Signature(
            $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={canonical.SignedHeaders}, Signature={signature}",
            amzDate, canonical.SignedHeaders, canonical.Text, stringToSign, signature);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static string Sha256Hex(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));

    internal static string AmzDate(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The request's headers plus the ones the signer owns (host, x-amz-date, the session token and, for SigV4A,
    /// the region set), canonicalized once for either algorithm.
    /// </summary>
    internal static CanonicalRequest Canonicalize(SigV4Request request, string amzDate, string? sessionToken, string? regionSet, string service)
    {
        var headers = request.Headers.Where(h => !IsSignerOwned(h.Key)).ToList();
        headers.Add(new("host", request.Host));
        headers.Add(new("x-amz-date", amzDate));
        if (regionSet is not null) headers.Add(new("x-amz-region-set", regionSet));
        if (sessionToken is not null) headers.Add(new("x-amz-security-token", sessionToken));
        return SigV4Canonical.Build(request.Method, request.Path, request.Query, headers, request.PayloadSha256Hex, doubleEncodePath: service != "s3");
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static bool IsSignerOwned(string name) =>
        name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-amz-security-token", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-amz-region-set", StringComparison.OrdinalIgnoreCase)
        || name.Equals("authorization", StringComparison.OrdinalIgnoreCase);
}
