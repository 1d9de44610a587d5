using System.Text;
using System.Xml.Linq;

namespace Jamdeploy.TestSupport.Cdn;

/// <summary>
/// Creates a CloudFront distribution in moto, a call the product never makes: for the tests of invalidation and
/// for the serverless benchmark (linked into it, so no test framework here).
/// </summary>
public static class MotoDistributions
{
    public static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    /// <summary>
    /// Creates one with a single custom origin and returns its id. <paramref name="cloudFront"/> signs with a
    /// CloudFront credential scope: moto routes a request by it.
    /// </summary>
    public static async Task<string> CreateAsync(HttpClient cloudFront, string motoEndpoint, string comment, CancellationToken cancellationToken)
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
            new XElement(Ns + "Comment", comment),
            new XElement(Ns + "Enabled", true));
        using var response = await cloudFront.PostAsync($"{motoEndpoint}/2020-05-31/distribution",
            new StringContent(config.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "application/xml"), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"moto refused the distribution: {(int)response.StatusCode} {body}");
        return XDocument.Parse(body).Root!.Element(Ns + "Id")!.Value;
    }
}
