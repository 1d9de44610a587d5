using System.Collections.Immutable;
using System.Text;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Aws.Tests.Signing;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>
/// Library-level round trip: two releases' manifests, planned and sent by the same notifier the flip uses,
/// read back from moto's CloudFront.
/// </summary>
public sealed class ManifestRoundTripTests(MotoServer moto) : IClassFixture<MotoServer>
{
    [Fact(Timeout = 60000)]
    public async Task AfterFlipAsync_ThreeFilesChanged_CloudFrontHoldsExactlyTheirPathsAndAliases()
    {
        using var cloudFront = new MotoCloudFront(moto);
        var distribution = await cloudFront.CreateDistributionAsync();
        var options = new CloudFrontOptions { DistributionId = distribution, Endpoint = new Uri(moto.Endpoint), PollInterval = TimeSpan.FromMilliseconds(20) };
        using var client = CloudFrontClient.Create(options, new FixedCredentialsSource(new SigningCredentials(MotoServer.AccessKey, MotoServer.SecretKey)), TimeProvider.System);
        var notifier = new CdnNotifier(new CloudFrontInvalidator(client, options, Serilog.Core.Logger.None, TimeProvider.System), wait: true, Serilog.Core.Logger.None);
        var v1 = Release("r1", "/index.html=home", "/docs/index.html=docs", "/docs/guide.html=guide", "/café/menü.html=menu", "/css/site.css=css", "/img/logo.svg=logo");
        var v2 = Release("r2", "/index.html=home", "/docs/index.html=docs v2", "/docs/guide.html=guide", "/café/menü.html=menu v2", "/css/site.css=css v2", "/img/logo.svg=logo");

        var first = await notifier.AfterFlipAsync(_ => Task.FromResult<Manifest?>(null), v1, DateTimeOffset.UnixEpoch, CancellationToken.None);
        var second = await notifier.AfterFlipAsync(_ => Task.FromResult<Manifest?>(v1), v2, DateTimeOffset.UnixEpoch.AddMinutes(1), CancellationToken.None);

        var stored = await cloudFront.InvalidationsAsync(distribution);
        Assert.Equal(2, stored.Count);
        Assert.Equal(["/*"], stored[0].Paths);
        Assert.Equal(["/caf%C3%A9/men%C3%BC", "/caf%C3%A9/men%C3%BC.html", "/css/site.css", "/docs", "/docs/", "/docs/index.html"], stored[1].Paths);
        Assert.True(first.Completed && second.Completed);
    }

    private static Manifest Release(string id, params string[] files) =>
        new(ReleaseId.Parse(id), DateTimeOffset.UnixEpoch, files.ToImmutableSortedDictionary(
            f => f[..f.IndexOf('=')],
            f => new ManifestEntry(ContentHash.Of(Encoding.UTF8.GetBytes(f)), f.Length, "text/html"),
            StringComparer.Ordinal));
}
