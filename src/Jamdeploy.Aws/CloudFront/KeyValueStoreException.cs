using System.Net;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// An error answer from the KeyValueStore API (rest-json: <c>x-amzn-ErrorType</c> and a <c>Message</c>), or no
/// answer at all within the request timeout (<see cref="NoAnswer"/>).
/// </summary>
public sealed class KeyValueStoreException : Exception
{
    /// <summary>The <see cref="Code"/> of <see cref="NoAnswer"/>.</summary>
    public const string TimeoutCode = "Timeout";

    public KeyValueStoreException(HttpStatusCode status, string code, string message)
        : base($"the KeyValueStore answered {(int)status} {code}: {message}")
    {
        Status = status;
        Code = code;
    }

    /// <summary>The <see cref="Code"/> of <see cref="NameNotResolved"/>.</summary>
    public const string NameNotResolvedCode = "NameNotResolved";

    private KeyValueStoreException(string code, string message, Exception inner) : base(message, inner) => Code = code;

    /// <summary>The API did not answer within the request timeout, on any attempt (HttpClient's own timeout, not the caller's cancellation).</summary>
    public static KeyValueStoreException NoAnswer(Uri endpoint, TimeSpan timeout, int retries, Exception inner) =>
        new(TimeoutCode, $"the KeyValueStore at {endpoint.Host} did not answer within {Durations.Human(timeout)} (gave up after {retries} retries)", inner);

    /// <summary>The endpoint's host name does not resolve: asked once, never retried (<see cref="NetworkFaults"/>).</summary>
    public static KeyValueStoreException NameNotResolved(Uri endpoint, Exception inner) =>
        new(NameNotResolvedCode, $"the KeyValueStore at {endpoint}: {NetworkFaults.NameNotResolved(endpoint, "Cdn:KeyValueStore:Endpoint")}", inner);

    /// <summary>The answer's status; 0 when there was none.</summary>
    public HttpStatusCode Status { get; }

    public string Code { get; }

    /// <summary>Worth retrying: throttling and server faults (InternalServerException is 500).</summary>
    public bool IsTransient => (int)Status >= 500 || Status == HttpStatusCode.TooManyRequests || Code is "ThrottlingException" or "Throttling";
}
