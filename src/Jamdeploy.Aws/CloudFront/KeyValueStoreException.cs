using System.Net;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>An error answer from the KeyValueStore API (rest-json: <c>x-amzn-ErrorType</c> and a <c>Message</c>).</summary>
public sealed class KeyValueStoreException(HttpStatusCode status, string code, string message)
    : Exception($"the KeyValueStore answered {(int)status} {code}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>Worth retrying: throttling and server faults (InternalServerException is 500).</summary>
    public bool IsTransient => (int)Status >= 500 || Status == HttpStatusCode.TooManyRequests || Code is "ThrottlingException" or "Throttling";
}
