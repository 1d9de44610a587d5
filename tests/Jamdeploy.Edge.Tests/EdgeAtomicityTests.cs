using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Jamdeploy.Deploying;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Invalidation;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Serilog.Core;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// Invariant 2 under load: while the real deploy pipeline deploys and rolls back 50 times (each flip
/// purging the edge, as in production), clients load a page and all its assets in a loop, and every page
/// load sees exactly one release. Each test release stamps its build tag into its HTML, CSS and JS, and
/// names its assets by content hash, as a site builder does.
/// </summary>
public sealed partial class EdgeAtomicityTests : IDisposable
{
    private const int Cycles = 50;
    private const int Clients = 2;
    private const string Token = "atomicity-purge-token";

    private readonly TempDirectory _directory = new("edge-atomicity");

    public void Dispose() => _directory.Dispose();

    [Fact(Timeout = 180000)]
    public async Task PageLoads_WhileDeployingAndRollingBack50Times_EachSeesExactlyOneRelease()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        await using var edge = await RunningEdge.StartAsync(store, new ServeOptions { PointerTtl = TimeSpan.FromHours(1), PurgeToken = Token });
        using var purgeClient = new HttpClient();
        var cdn = new CdnNotifier(new LocalEdgePurge(purgeClient, [edge.BaseAddress], Token), wait: false, Logger.None);
        var deployer = new Deployer(store, cdn, new DeployOptions(), TimeProvider.System, Logger.None);
        var operations = new ReleaseOperations(new ReleaseStore(store), cdn, TimeProvider.System, LivePointer.DefaultHistoryLimit, Logger.None);
        var tagOfRelease = new ConcurrentDictionary<string, string>();
        await DeployBuildAsync(deployer, "build-000", tagOfRelease);

        using var stop = new CancellationTokenSource();
        var loads = Enumerable.Range(0, Clients).Select(_ => LoadPagesAsync(edge.Client, tagOfRelease, stop.Token)).ToList();
        for (var cycle = 1; cycle <= Cycles; cycle++)
        {
            await DeployBuildAsync(deployer, $"build-{cycle:D3}", tagOfRelease);
            await operations.RollbackAsync(null, force: false, CancellationToken.None);
        }
        await stop.CancelAsync();
        var results = (await Task.WhenAll(loads)).SelectMany(r => r).ToList();

        Assert.Empty(results.Where(r => r.Problem is not null).Select(r => r.Problem));
        Assert.True(results.Count >= Cycles, $"only {results.Count} page loads ran during the flips");
        Assert.True(results.Select(r => r.Tag).Distinct().Count() >= 2, "the clients never saw a flip, so the test proved nothing");
    }

    private async Task DeployBuildAsync(Deployer deployer, string tag, ConcurrentDictionary<string, string> tagOfRelease)
    {
        var folder = new DirectoryInfo(_directory.Combine("builds", tag));
        folder.Create();
        var css = $"/* {tag} */ body {{ color: black }}";
        var js = $"console.log('{tag}');";
        var cssName = $"style.{Fingerprint(css)}.css";
        var jsName = $"app.{Fingerprint(js)}.js";
        Directory.CreateDirectory(Path.Combine(folder.FullName, "assets"));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "assets", cssName), css);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "assets", jsName), js);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "index.html"),
            $"<html data-build=\"{tag}\"><link rel=\"stylesheet\" href=\"/assets/{cssName}\"><script src=\"/assets/{jsName}\"></script></html>");

        var result = await deployer.DeployAsync(new DeployRequest(folder.FullName), null, CancellationToken.None);
        Assert.Equal(DeployOutcome.Live, result.Outcome);
        tagOfRelease[result.Release.Value] = tag;
    }

    private sealed record PageLoad(string Tag, string? Problem);

    private static async Task<List<PageLoad>> LoadPagesAsync(HttpClient client, ConcurrentDictionary<string, string> tagOfRelease, CancellationToken stop)
    {
        var loads = new List<PageLoad>();
        while (!stop.IsCancellationRequested)
        {
            using var page = await client.GetAsync("/", CancellationToken.None);
            var html = await page.Content.ReadAsStringAsync(CancellationToken.None);
            var tag = BuildTag().Match(html).Groups[1].Value;
            var problem = page.StatusCode != HttpStatusCode.OK ? $"page answered {(int)page.StatusCode}" : null;
            var release = page.Headers.GetValues(FileResponder.ReleaseHeader).Single();
            if (problem is null && tagOfRelease.TryGetValue(release, out var expected) && expected != tag)
                problem = $"page from {release} carries build {tag}, expected {expected}";
            foreach (Match asset in AssetLink().Matches(html))
            {
                using var response = await client.GetAsync(asset.Groups[1].Value, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK) problem ??= $"{asset.Groups[1].Value} of {tag} answered {(int)response.StatusCode}";
                else if (!body.Contains(tag, StringComparison.Ordinal)) problem ??= $"{asset.Groups[1].Value} of {tag} came from another build: {body}";
            }
            loads.Add(new PageLoad(tag, problem));
        }
        return loads;
    }

    private static string Fingerprint(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..8];

    [GeneratedRegex("data-build=\"([^\"]+)\"")]
    private static partial Regex BuildTag();

    [GeneratedRegex("(?:href|src)=\"(/assets/[^\"]+)\"")]
    private static partial Regex AssetLink();
}
