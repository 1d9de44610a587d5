namespace Jamdeploy.TestSupport.S3;

/// <summary>
/// Stands for TLS in front of moto, which speaks plain HTTP: a client given an <c>https://</c> endpoint takes
/// its HTTPS paths (an unsigned payload, say), and this layer, last before the network, sends the very same
/// request to moto over HTTP, as a TLS-terminating proxy would.
/// </summary>
public sealed class HttpsToMoto : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { Scheme: "https" } uri)
            request.RequestUri = new UriBuilder(uri) { Scheme = Uri.UriSchemeHttp, Port = uri.Port }.Uri;
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>The https:// form of moto's endpoint (same host and port).</summary>
    public static string HttpsEndpoint(string motoEndpoint) =>
        new UriBuilder(motoEndpoint) { Scheme = Uri.UriSchemeHttps, Port = new Uri(motoEndpoint).Port }.Uri.ToString().TrimEnd('/');
}
