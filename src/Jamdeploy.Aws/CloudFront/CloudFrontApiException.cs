using System.Net;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>An error answer from the CloudFront API, with the code that says whether a retry can help.</summary>
public sealed class CloudFrontApiException(HttpStatusCode status, string code, string message)
    : Exception($"CloudFront answered {(int)status} {code}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>Worth retrying with the same caller reference: throttling, too many invalidations in flight, server faults.</summary>
    public bool IsTransient =>
        (int)Status >= 500
        || Status == HttpStatusCode.TooManyRequests
        || Code is "Throttling" or "ThrottlingException" or "TooManyInvalidationsInProgress" or "RequestLimitExceeded" or "ServiceUnavailable" or "InternalError";
}
