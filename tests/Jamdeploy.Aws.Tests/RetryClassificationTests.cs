using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.S3;

namespace Jamdeploy.Aws.Tests;

/// <summary>
/// Every retry policy retries only what can heal (throttling, 5xx, timeouts, resets); an auth answer or a name that
/// does not resolve fails on the first attempt. The table a reviewer checks against the AWS error codes.
/// </summary>
public sealed class RetryClassificationTests
{
    public static TheoryData<string, HttpStatusCode, bool> S3Answers => new()
    {
        { "SlowDown", HttpStatusCode.ServiceUnavailable, true },
        { "InternalError", HttpStatusCode.InternalServerError, true },
        { "", HttpStatusCode.TooManyRequests, true },
        { "AccessDenied", HttpStatusCode.Forbidden, false },
        { "SignatureDoesNotMatch", HttpStatusCode.Forbidden, false },
        { "InvalidAccessKeyId", HttpStatusCode.Forbidden, false },
        { "ExpiredToken", HttpStatusCode.BadRequest, false },
        { "NoSuchBucket", HttpStatusCode.NotFound, false },
    };

    [Theory]
    [MemberData(nameof(S3Answers))]
    public void S3_Answer_RetriedOnlyWhenItCanHeal(string code, HttpStatusCode status, bool retried) =>
        Assert.Equal(retried, S3RetryPipeline.IsTransient(new AmazonS3Exception("x") { ErrorCode = code, StatusCode = status }, CancellationToken.None));

    [Fact]
    public void S3_ResetConnection_IsRetried() =>
        Assert.True(S3RetryPipeline.IsTransient(new HttpRequestException(HttpRequestError.ConnectionError, "reset", new SocketException((int)SocketError.ConnectionReset)), CancellationToken.None));

    [Fact]
    public void S3_NameNotResolved_IsNotRetried_EvenWrappedBySdk() =>
        Assert.False(S3RetryPipeline.IsTransient(
            new AmazonServiceException("x", new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known", new SocketException((int)SocketError.HostNotFound))),
            CancellationToken.None));

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", true)]
    [InlineData(HttpStatusCode.BadRequest, "TooManyInvalidationsInProgress", true)]
    [InlineData(HttpStatusCode.BadRequest, "Throttling", true)]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied", false)]
    [InlineData(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", false)]
    [InlineData(HttpStatusCode.Forbidden, "InvalidClientTokenId", false)]
    [InlineData(HttpStatusCode.BadRequest, "ExpiredToken", false)]
    public void CloudFront_Answer_RetriedOnlyWhenItCanHeal(HttpStatusCode status, string code, bool retried) =>
        Assert.Equal(retried, new CloudFrontApiException(status, code, "x").IsTransient);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalServerException", true)]
    [InlineData(HttpStatusCode.TooManyRequests, "ThrottlingException", true)]
    [InlineData(HttpStatusCode.Forbidden, "AccessDeniedException", false)]
    [InlineData(HttpStatusCode.Forbidden, "InvalidSignatureException", false)]
    [InlineData(HttpStatusCode.Forbidden, "ExpiredTokenException", false)]
    public void KeyValueStore_Answer_RetriedOnlyWhenItCanHeal(HttpStatusCode status, string code, bool retried) =>
        Assert.Equal(retried, new KeyValueStoreException(status, code, "x").IsTransient);
}
