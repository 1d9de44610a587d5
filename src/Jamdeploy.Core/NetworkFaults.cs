using System.Net.Http;
using System.Net.Sockets;

namespace Jamdeploy;

/// <summary>
/// Which network failures a retry cannot heal. A host name that does not resolve stays unresolved for the
/// seconds a retry waits (a typo, a <c>.invalid</c> name, a deleted endpoint): retrying it only delays the one
/// line that says so, by minutes with exponential backoff. Every retry policy (S3, CloudFront, KeyValueStore)
/// asks here before it retries a network error.
/// </summary>
public static class NetworkFaults
{
    /// <summary>True when the error, or any error inside it, is a failed name lookup.</summary>
    public static bool IsNameNotResolved(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }) return true;
            if (e is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }) return true;
        }
        return false;
    }

    /// <summary>The line for a name that does not resolve: what to check, not the resolver's wording.</summary>
    public static string NameNotResolved(Uri endpoint, string setting) =>
        $"the name '{endpoint.Host}' does not resolve (DNS); check {setting}";
}
