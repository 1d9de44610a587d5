using System.Text;
using Jamdeploy.Aws.Signing;

namespace Jamdeploy.Aws.Tests.Signing;

/// <summary>
/// The published SigV4A test suite (awslabs/aws-c-auth tests/aws-signing-test-suite/v4a, header signing):
/// AKIDEXAMPLE, 2015-08-30T12:36:00Z, region set us-east-1, service "service", host example.amazonaws.com.
/// ECDSA signatures are randomized, so a produced signature is verified with the suite's public key rather
/// than compared; the suite's own signatures are checked to verify against the derived key too.
/// </summary>
public sealed class SigV4aSignerTests
{
    private static readonly SigningCredentials Suite = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private const string SuiteScope = "20150830/service/aws4_request";

    public static TheoryData<string, string, string, string, string, string, string> Vectors => new()
    {
        // name, method, path, query, expected canonical request, expected string-to-sign hash line, published signature
        { "get-vanilla", "GET", "/", "",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-region-set:us-east-1\n\nhost;x-amz-date;x-amz-region-set\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "cf59db423e841c8b7e3444158185aa261b724a5c27cbe762676f3eed19f4dc02",
            "3045022018b4e277d0281864beb51d3600e23f88510ea5031d68ddfbb68614b82a5eb7d2022100effb9c5f22ed9ef3ae0ab243d21f06bce82365bbb79529a07b6888c343ae5f8c" },
        { "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1",
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-region-set:us-east-1\n\nhost;x-amz-date;x-amz-region-set\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "cc07b29e0d0f0b2d6aa296621a5608fd9c2271159b9b2f737f682704ebb96482",
            "3045022100b342b0d62487d235a5baf82e970102670a8d7af34c61f086125d204a90724d9e022070304e846de3de228c57e528b61f4addfdb5fa788a8a452e483c6a286d8803f5" },
        { "get-utf8", "GET", "/ሴ", "",
            "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-region-set:us-east-1\n\nhost;x-amz-date;x-amz-region-set\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "7c8a7084825e715f0e217a7470ce3611bcfedb5b70329d9b36bba5cefd39c11a",
            "3044022009b73628ce2929e224b781c591bdc93fc3381cef5f63992eefb82a286276fa0902203cbc6071d1be7b8c91ec0a04b921881c48cbea2a0a86481f6fa7a983e36190c0" },
    };

    [Fact]
    public void PublicKey_SuiteCredentials_MatchesPublishedPoint()
    {
        var key = SigV4aSigner.PublicKey(Suite);

        Assert.Equal("b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1", Convert.ToHexStringLower(key.Q.X!));
        Assert.Equal("865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518", Convert.ToHexStringLower(key.Q.Y!));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Sign_PublishedVector_CanonicalRequestStringToSignAndVerifiableSignature(
        string name, string method, string path, string query, string canonicalRequest, string hashLine, string publishedSignature)
    {
        var request = new SigV4Request(method, "example.amazonaws.com", path, query, [], SigV4Request.EmptyPayloadSha256);

        var signed = SigV4aSigner.Sign(request, Suite, "us-east-1", "service", SuiteTime);

        Assert.True(canonicalRequest == signed.CanonicalRequest, $"{name}:\n{signed.CanonicalRequest}");
        Assert.Equal($"AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n{SuiteScope}\n{hashLine}", signed.StringToSign);
        Assert.StartsWith($"AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/{SuiteScope}, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=", signed.Authorization);
        Assert.Equal("us-east-1", signed.RegionSet);
        Assert.True(SigV4aSigner.Verify(Suite, signed.StringToSign, signed.Signature), "our signature verifies with the derived public key");
        Assert.True(SigV4aSigner.Verify(Suite, signed.StringToSign, publishedSignature), "the suite's signature verifies with our derived key");
    }

    [Fact]
    public void Sign_SessionToken_SignsXAmzSecurityTokenAfterRegionSet()
    {
        // get-vanilla-with-session-token from the same suite.
        var withToken = Suite with { SessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" };
        var request = new SigV4Request("GET", "example.amazonaws.com", "/", "", [], SigV4Request.EmptyPayloadSha256);

        var signed = SigV4aSigner.Sign(request, withToken, "us-east-1", "service", SuiteTime);

        Assert.Equal("host;x-amz-date;x-amz-region-set;x-amz-security-token", signed.SignedHeaders);
        Assert.EndsWith("\n79893373104239a0547df489af395ec3c1b8873a8601f07f11ffd3f1ac557e7d", signed.StringToSign);
        Assert.True(SigV4aSigner.Verify(withToken, signed.StringToSign,
            "3044022035c6bc9a8cab8a434bd8bd1cc3b6f1401842f530f1537722ad10d72a1577f8c80220101352fe0720715efbab80f82edb133175f0b61cad85daf943ad615852f9ae10"));
    }

    [Fact]
    public void Verify_TamperedStringOrOtherKey_Fails()
    {
        var request = new SigV4Request("GET", "example.amazonaws.com", "/", "", [], SigV4Request.EmptyPayloadSha256);
        var signed = SigV4aSigner.Sign(request, Suite, SigV4aSigner.AllRegions, "service", SuiteTime);

        Assert.False(SigV4aSigner.Verify(Suite, signed.StringToSign + "x", signed.Signature));
        Assert.False(SigV4aSigner.Verify(Suite with { SecretAccessKey = "other" }, signed.StringToSign, signed.Signature));
        Assert.False(SigV4aSigner.Verify(Suite, signed.StringToSign, "not-hex"));
    }

    [Fact]
    public void Sign_PostWithBody_SignsContentTypeAndPayloadHash()
    {
        // post-x-www-form-urlencoded (without the content-length and x-amz-content-sha256 headers the CRT adds).
        var body = SigV4Signer.Sha256Hex(Encoding.UTF8.GetBytes("Param1=value1"));
        var request = new SigV4Request("POST", "example.amazonaws.com", "/", "", [new("Content-Type", "application/x-www-form-urlencoded")], body);

        var signed = SigV4aSigner.Sign(request, Suite, "us-east-1", "service", SuiteTime);

        Assert.Equal("content-type;host;x-amz-date;x-amz-region-set", signed.SignedHeaders);
        Assert.EndsWith("\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", signed.CanonicalRequest);
    }
}
