using System.Net.Http.Headers;
using System.Text;
using Jamdeploy.Aws.Signing;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// The two CloudFront REST calls jamdeploy needs (AWSSDK.CloudFront is not available), signed with SigV4.
/// One method call is one HTTP attempt; retrying is the caller's decision.
/// </summary>
public sealed class CloudFrontClient : IDisposable
{
    public const string ApiVersion = "2020-05-31";
    public const string SigningService = "cloudfront";

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly ISigningCredentialsSource _credentials;

    private CloudFrontClient(HttpClient http, Uri endpoint, ISigningCredentialsSource credentials)
    {
        _http = http;
        _endpoint = endpoint;
        _credentials = credentials;
    }

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
        return new CloudFrontClient(new HttpClient(signer) { Timeout = options.RequestTimeout }, options.Endpoint, credentials);
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

    /// <summary>Resolves the credentials requests will be signed with; throws <see cref="UsageException"/> when there are none.</summary>
    public async Task CheckCredentialsAsync(CancellationToken cancellationToken) => await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);

    public void Dispose() => _http.Dispose();

    private Uri Url(string distributionId, string rest) =>
        new(_endpoint, $"/{ApiVersion}/distribution/{Uri.EscapeDataString(distributionId)}/{rest}");

    private async Task<string> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw CloudFrontXml.ReadError(response.StatusCode, body);
        return body;
    }
}
