using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Jamdeploy.Aws.Signing;

/// <summary>
/// AWS Signature Version 4A (<c>AWS4-ECDSA-P256-SHA256</c>): the SigV4 canonical request, a scope without a
/// region, the regions the signature is good for in <c>X-Amz-Region-Set</c>, and an ECDSA P-256 signature
/// (DER, hex) with a key derived from the secret. The CloudFront KeyValueStore data API accepts only this.
/// <para>
/// Ported rather than wrapped: AWSSDK.Core 4.1.0's managed <c>Amazon.Runtime.Internal.Auth.AWS4aSigner</c> signs
/// the SDK's own <c>IRequest</c> and lives in an internal namespace, so it would bring a second canonicalization
/// and no stability promise. The algorithm is small, and the published aws-c-auth v4a suite pins it (tests).
/// </para>
/// </summary>
public static class SigV4aSigner
{
    public const string Algorithm = "AWS4-ECDSA-P256-SHA256";
    public const string RegionSetHeader = "X-Amz-Region-Set";

    /// <summary>Every region: what the KeyValueStore's endpoint rules ask for (<c>signingRegionSet: ["*"]</c>).</summary>
    public const string AllRegions = "*";

    // The order n of P-256 (NIST SP 800-186, 3.2.1.3); the derived scalar must fall in [1, n-1].
    private static readonly BigInteger OrderMinusTwo =
        BigInteger.Parse("0ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", System.Globalization.NumberStyles.HexNumber) - 2;

    private static readonly ConcurrentDictionary<(string, string), ECParameters> Keys = new();

    public static SigV4Signature Sign(SigV4Request request, SigningCredentials credentials, string regionSet, string service, DateTimeOffset at)
    {
        var amzDate = SigV4Signer.AmzDate(at);
        var scope = Scope(amzDate[..8], service);
        var canonical = SigV4Signer.Canonicalize(request, amzDate, credentials.SessionToken, regionSet, service);
        var stringToSign = StringToSign(amzDate, scope, canonical.Text);

        using var key = ECDsa.Create(PrivateKey(credentials));
        var signature = Convert.ToHexStringLower(key.SignData(Encoding.UTF8.GetBytes(stringToSign), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        return new SigV4Signature(
            $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={canonical.SignedHeaders}, Signature={signature}",
            amzDate, canonical.SignedHeaders, canonical.Text, stringToSign, signature)
        { RegionSet = regionSet };
    }

    public static string Scope(string day, string service) => $"{day}/{service}/aws4_request";

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        string.Join('\n', Algorithm, amzDate, scope, SigV4Signer.Sha256Hex(canonicalRequest));

    /// <summary>Checks a hex DER signature over <paramref name="stringToSign"/> with the public key of <paramref name="credentials"/>.</summary>
    public static bool Verify(SigningCredentials credentials, string stringToSign, string signatureHex)
    {
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return false;
        }
        using var key = ECDsa.Create(PublicKey(credentials));
        return key.VerifyData(Encoding.UTF8.GetBytes(stringToSign), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>The public half of the derived key (what AWS checks a signature with).</summary>
    public static ECParameters PublicKey(SigningCredentials credentials)
    {
        var key = PrivateKey(credentials);
        return new ECParameters { Curve = key.Curve, Q = key.Q };
    }

    /// <summary>
    /// The derived key pair, cached per credential (temporary credentials rotate; each set is derived once).
    /// NIST SP 800-108 KDF in counter mode with HMAC-SHA256: key "AWS4A" + secret, label the algorithm name,
    /// context the access key id and a one-byte counter, 256 bits out. A candidate above n-2 is discarded and
    /// the counter incremented; the private scalar is candidate + 1 (FIPS 186-5 A.2.2).
    /// </summary>
    private static ECParameters PrivateKey(SigningCredentials credentials) =>
        Keys.GetOrAdd((credentials.AccessKeyId, credentials.SecretAccessKey), static k => Derive(k.Item1, k.Item2));

    private static ECParameters Derive(string accessKeyId, string secret)
    {
        var inputKey = Encoding.UTF8.GetBytes("AWS4A" + secret);
        var label = Encoding.ASCII.GetBytes(Algorithm);
        var accessKey = Encoding.UTF8.GetBytes(accessKeyId);
        for (var counter = 1; counter <= 254; counter++)
        {
            // i (4 bytes, = 1: one 256-bit block) || label || 0x00 || context (access key || counter) || L (4 bytes, = 256)
            var fixedInput = new byte[4 + label.Length + 1 + accessKey.Length + 1 + 4];
            BinaryPrimitives.WriteInt32BigEndian(fixedInput, 1);
            label.CopyTo(fixedInput, 4);
            accessKey.CopyTo(fixedInput, 4 + label.Length + 1);
            fixedInput[4 + label.Length + 1 + accessKey.Length] = (byte)counter;
            BinaryPrimitives.WriteInt32BigEndian(fixedInput.AsSpan(^4), 256);

            var candidate = new BigInteger(HMACSHA256.HashData(inputKey, fixedInput), isUnsigned: true, isBigEndian: true);
            if (candidate > OrderMinusTwo) continue;

            var d = new byte[32];
            (candidate + 1).TryWriteBytes(d.AsSpan(32 - (candidate + 1).GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            // Importing only D makes the platform compute the public point Q.
            using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
            return key.ExportParameters(includePrivateParameters: true);
        }
        throw new CryptographicException("SigV4A key derivation found no valid P-256 scalar (cannot happen with real credentials)");
    }
}
