using System.Net;
using Jamdeploy.Aws.CloudFront;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>Invariant 7 for CloudFront's error bodies: what a user sees never carries a credential.</summary>
public sealed class CloudFrontErrorTests
{
    [Fact]
    public void ReadError_SignatureMismatchQuotingTheCanonicalRequest_KeepsTheSessionTokenOut()
    {
        const string token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
        // One line, as a proxy or an SDK-shaped gateway may flatten it: the first-line cut alone would keep the token.
        var body = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match "
            + $"the signature you provided. The Canonical String for this request should have been 'POST /2020-05-31/distribution/E123/invalidation "
            + $"host:cloudfront.amazonaws.com x-amz-security-token:{token}'</Message></Error></ErrorResponse>";

        var error = CloudFrontXml.ReadError(HttpStatusCode.Forbidden, body);

        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.DoesNotContain(token, error.Message);
        Assert.DoesNotContain("x-amz-security-token", error.Message);
    }
}
