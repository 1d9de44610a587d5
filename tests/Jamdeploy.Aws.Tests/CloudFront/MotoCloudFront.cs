using System.Text;
using System.Xml.Linq;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Aws.Tests.Signing;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>
/// Test-side calls to moto's CloudFront that the product never makes: create a distribution, list its
/// invalidations. Signed with the product's signer, since moto routes a request by its credential scope.
/// </summary>
internal sealed class MotoCloudFront(MotoServer moto) : IDisposable
{
    private static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    private readonly HttpClient _http = new(new SigV4SigningHandler(
        new FixedCredentialsSource(new SigningCredentials(MotoServer.AccessKey, MotoServer.SecretKey)), "us-east-1", "cloudfront", TimeProvider.System)
    {
        InnerHandler = new SocketsHttpHandler(),
    });

    public async Task<string> CreateDistributionAsync(CancellationToken cancellationToken = default)
    {
        var config = new XElement(Ns + "DistributionConfig",
            new XElement(Ns + "CallerReference", Guid.NewGuid().ToString("N")),
            new XElement(Ns + "Origins",
                new XElement(Ns + "Quantity", 1),
                new XElement(Ns + "Items",
                    new XElement(Ns + "Origin",
                        new XElement(Ns + "Id", "site"),
                        new XElement(Ns + "DomainName", "origin.example.com"),
                        new XElement(Ns + "CustomOriginConfig",
                            new XElement(Ns + "HTTPPort", 80),
                            new XElement(Ns + "HTTPSPort", 443),
                            new XElement(Ns + "OriginProtocolPolicy", "https-only"))))),
            new XElement(Ns + "DefaultCacheBehavior",
                new XElement(Ns + "TargetOriginId", "site"),
                new XElement(Ns + "ViewerProtocolPolicy", "redirect-to-https")),
            new XElement(Ns + "Comment", "jamdeploy test"),
            new XElement(Ns + "Enabled", true));
        using var response = await _http.PostAsync($"{moto.Endpoint}/2020-05-31/distribution",
            new StringContent(config.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "application/xml"), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return XDocument.Parse(body).Root!.Element(Ns + "Id")!.Value;
    }

    /// <summary>Every invalidation of the distribution, read back in full.</summary>
    public async Task<IReadOnlyList<CloudFrontInvalidation>> InvalidationsAsync(string distributionId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"{moto.Endpoint}/2020-05-31/distribution/{distributionId}/invalidation", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        var ids = XDocument.Parse(body).Descendants(Ns + "InvalidationSummary").Select(s => s.Element(Ns + "Id")!.Value).ToList();

        using var client = CloudFrontClient.Create(new CloudFrontOptions { DistributionId = distributionId, Endpoint = new Uri(moto.Endpoint) },
            new FixedCredentialsSource(new SigningCredentials(MotoServer.AccessKey, MotoServer.SecretKey)), TimeProvider.System);
        var result = new List<CloudFrontInvalidation>();
        foreach (var id in ids) result.Add(await client.GetInvalidationAsync(distributionId, id, cancellationToken));
        return result;
    }

    public void Dispose() => _http.Dispose();
}
