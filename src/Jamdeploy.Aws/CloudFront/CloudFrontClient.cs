using System.Net.Http.Headers;
using System.Text;
using Jamdeploy.Aws.Signing;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// The two CloudFront REST calls jamdeploy needs (AWSSDK.CloudFront is not available), signed with SigV4.
/// One method call is one HTTP attempt; retrying is the caller's decision.
/// </summary>
public sealed class CloudFrontClient(HttpClient http, Uri endpoint) : IDisposable
{
    public const string ApiVersion = "2020-05-31";
    public const string SigningService = "cloudfront";

    /// <summary>
    /// A client whose requests are signed for CloudFront. <paramref name="transport"/> is the handler below the
    /// signer (tests put a fault injector there); by default a plain <see cref="SocketsHttpHandler"/>.
    /// </summary>
    public static CloudFrontClient Create(CloudFrontOptions options, ISigningCredentialsSource credentials, TimeProvider time, HttpMessageHandler? transport = null)
    {
        var signer = new SigV4SigningHandler(credentials, options.SigningRegion, SigningService, time)
        {
            InnerHandler = transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
        };
        return new CloudFrontClient(new HttpClient(signer) { Timeout = options.RequestTimeout }, options.Endpoint);
    }

    public async Task<CloudFrontInvalidation> CreateInvalidationAsync(string distributionId, string callerReference, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(distributionId, "invalidation"))
        {
            Content = new StringContent(CloudFrontXml.InvalidationBatch(callerReference, paths), Encoding.UTF8, new MediaTypeHeaderValue("application/xml")),
        };
        return CloudFrontXml.ReadInvalidation(await SendAsync(request, cancellationToken).ConfigureAwait(false));
    }

    public async Task<CloudFrontInvalidation> GetInvalidationAsync(string distributionId, string invalidationId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(distributionId, $"invalidation/{Uri.EscapeDataString(invalidationId)}"));
        return CloudFrontXml.ReadInvalidation(await SendAsync(request, cancellationToken).ConfigureAwait(false));
    }

    public void Dispose() => http.Dispose();

    private Uri Url(string distributionId, string rest) =>
        new(endpoint, $"/{ApiVersion}/distribution/{Uri.EscapeDataString(distributionId)}/{rest}");

    private async Task<string> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw CloudFrontXml.ReadError(response.StatusCode, body);
        return body;
    }
}
