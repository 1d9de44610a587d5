using System.Text;
using System.Xml.Linq;
using Jamdeploy.Aws.Signing;

namespace Jamdeploy.Bench.Serverless;

/// <summary>Creates the CloudFront distribution the serve-origin mode invalidates, in moto (as the tests' MotoCloudFront does).</summary>
internal static class MotoDistribution
{
    private static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    public static async Task<string> CreateAsync(string motoEndpoint, CancellationToken cancellationToken)
    {
        // moto routes a request by its credential scope, so it is signed like the product's CloudFront calls.
        using var http = new HttpClient(new SigV4SigningHandler(new AwsDefaultCredentialsSource(), "us-east-1", "cloudfront", TimeProvider.System)
        {
            InnerHandler = new SocketsHttpHandler(),
        });
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
            new XElement(Ns + "Comment", "jamdeploy benchmark"),
            new XElement(Ns + "Enabled", true));
        using var response = await http.PostAsync($"{motoEndpoint}/2020-05-31/distribution",
            new StringContent(config.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "application/xml"), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"moto refused the distribution: {(int)response.StatusCode} {body}");
        return XDocument.Parse(body).Root!.Element(Ns + "Id")!.Value;
    }
}
