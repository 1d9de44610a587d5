using System.Xml.Linq;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Aws.Tests.Signing;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.Cdn;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>
/// Test-side calls to moto's CloudFront that the product never makes: create a distribution, list its
/// invalidations. Signed with the product's signer, since moto routes a request by its credential scope.
/// </summary>
internal sealed class MotoCloudFront(MotoServer moto) : IDisposable
{
    private readonly HttpClient _http = new(new SigV4SigningHandler(
        new FixedCredentialsSource(new SigningCredentials(MotoServer.AccessKey, MotoServer.SecretKey)), "us-east-1", "cloudfront", TimeProvider.System)
    {
        InnerHandler = new SocketsHttpHandler(),
    });

    public Task<string> CreateDistributionAsync(CancellationToken cancellationToken = default) =>
        MotoDistributions.CreateAsync(_http, moto.Endpoint, "jamdeploy test", cancellationToken);

    /// <summary>Every invalidation of the distribution, read back in full.</summary>
    public async Task<IReadOnlyList<CloudFrontInvalidation>> InvalidationsAsync(string distributionId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"{moto.Endpoint}/2020-05-31/distribution/{distributionId}/invalidation", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        var ids = XDocument.Parse(body).Descendants(MotoDistributions.Ns + "InvalidationSummary").Select(s => s.Element(MotoDistributions.Ns + "Id")!.Value).ToList();

        using var client = CloudFrontClient.Create(new CloudFrontOptions { DistributionId = distributionId, Endpoint = new Uri(moto.Endpoint) },
            new FixedCredentialsSource(new SigningCredentials(MotoServer.AccessKey, MotoServer.SecretKey)), TimeProvider.System);
        var result = new List<CloudFrontInvalidation>();
        foreach (var id in ids) result.Add(await client.GetInvalidationAsync(distributionId, id, cancellationToken));
        return result;
    }

    public void Dispose() => _http.Dispose();
}
