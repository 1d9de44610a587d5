using Jamdeploy.Aws.Signing;

namespace Jamdeploy.Aws.Tests.Signing;

/// <summary>
/// The published SigV4 test suite (awslabs/aws-c-auth tests/aws-signing-test-suite/v4, header signing):
/// credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service", host example.amazonaws.com.
/// </summary>
public sealed class SigV4SignerTests
{
    private static readonly SigningCredentials Suite = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private const string Scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

    public static TheoryData<string, string, string, string, string[], string, string> Vectors => new()
    {
        // name, method, path, query, headers (name:value), body, expected Authorization
        { "get-vanilla", "GET", "/", "", [], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
        { "post-vanilla", "POST", "/", "", [], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
        { "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", [], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
        { "get-vanilla-query-unreserved", "GET", "/",
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
        { "get-utf8", "GET", "/ሴ", "", [], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
        { "get-header-value-trim", "GET", "/", "", ["My-Header1: value1", "My-Header2: \"a   b   c\""], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
        { "post-header-key-sort", "POST", "/", "", ["My-Header1:value1"], "",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
        { "post-x-www-form-urlencoded", "POST", "/", "", ["Content-Type:application/x-www-form-urlencoded"], "Param1=value1",
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Sign_PublishedVector_MatchesExpectedAuthorization(string name, string method, string path, string query, string[] headers, string body, string expected)
    {
        var request = new SigV4Request(method, "example.amazonaws.com", path, query, [.. headers.Select(Header)],
            SigV4Signer.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(body)));

        var signed = SigV4Signer.Sign(request, Suite, "us-east-1", "service", SuiteTime);

        Assert.True(expected == signed.Authorization, $"{name}:\n{signed.CanonicalRequest}\n---\n{signed.StringToSign}");
        Assert.Equal("20150830T123600Z", signed.AmzDate);
    }

    [Fact]
    public void Sign_SessionToken_SignsXAmzSecurityToken()
    {
        // get-vanilla-with-session-token from the same suite.
        var withToken = Suite with { SessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" };
        var request = new SigV4Request("GET", "example.amazonaws.com", "/", "", [], SigV4Request.EmptyPayloadSha256);

        var signed = SigV4Signer.Sign(request, withToken, "us-east-1", "service", SuiteTime);

        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
            signed.Authorization);
    }

    [Fact]
    public void Sign_HeaderValueTrim_CanonicalFormCollapsesSpaces()
    {
        var request = new SigV4Request("GET", "example.amazonaws.com", "/", "",
            [Header("My-Header2:  \"a   b   c\"  ")], SigV4Request.EmptyPayloadSha256);

        var signed = SigV4Signer.Sign(request, Suite, "us-east-1", "service", SuiteTime);

        Assert.Contains("\nmy-header2:\"a b c\"\n", signed.CanonicalRequest);
    }

    [Fact]
    public void SigningCredentials_ToString_HidesSecretAndToken()
    {
        var text = (Suite with { SessionToken = "token-value" }).ToString();

        Assert.DoesNotContain("wJalrXUtnFEMI", text);
        Assert.DoesNotContain("token-value", text);
        Assert.DoesNotContain("AKIDEXAMPLE", text);
    }

    private static KeyValuePair<string, string> Header(string line)
    {
        var colon = line.IndexOf(':');
        return new(line[..colon], line[(colon + 1)..]);
    }
}
