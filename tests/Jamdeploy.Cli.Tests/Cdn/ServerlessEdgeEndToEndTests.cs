using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.Cli.Tests.S3;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.Cdn;
using Jamdeploy.TestSupport.S3;
using Xunit.Abstractions;

namespace Jamdeploy.Cli.Tests.Cdn;

/// <summary>
/// Serverless CloudFront end to end, every part real: <c>jamdeploy</c> processes deploying to moto S3 with
/// <c>Cdn:Provider none</c> and the edge pointer in the fake KeyValueStore (SigV4A-verified), and the emulated
/// CloudFront (node: the viewer function reading that key, a cache keyed by the rewritten URI, the Lambda@Edge
/// handlers against the same bucket). While page loads run against the emulator, jamdeploy deploys, rolls back
/// and promotes: no page load mixes releases (invariants 2 and 8), each flip is served as soon as its command
/// returns with no invalidation anywhere, and the key ends equal to live.json (invariant 9).
/// </summary>
[RunsLong(25)]
public sealed partial class ServerlessEdgeEndToEndTests(MotoServer moto, ITestOutputHelper output) : IAsyncLifetime, IDisposable, IClassFixture<MotoServer>
{
    /// <summary>
    /// Flips made by jamdeploy commands while page loads run: three rounds of the five (deploy, deploy, rollback, promote,
    /// deploy). Each flip is one process (~1–3 s loaded) and the page loads run all along, so the rounds are what the
    /// test costs on CI's two cores: three rounds put each command through a flip under load three times.
    /// </summary>
    private const int Flips = 15;
    private const int PageLoaders = 3;
    private const int FilesPerBuild = 5; // two pages, three fingerprinted assets (404.html is never asked for)
    private const string PointerKey = "site:live";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _workspace = new("edge-e2e");
    private readonly HttpClient _http = new() { Timeout = RequestTimeout };
    private FakeKeyValueStore _kvs = null!;
    private S3Proxy _cliS3 = null!;
    private S3Proxy _originS3 = null!;

    public async Task InitializeAsync()
    {
        _kvs = await FakeKeyValueStore.StartAsync();
        // The CLI's and the edge's requests to S3 each pass a recording proxy: what went where is counted.
        _cliS3 = new S3Proxy(moto.Endpoint);
        _originS3 = new S3Proxy(moto.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _originS3.DisposeAsync();
        await _cliS3.DisposeAsync();
        await _kvs.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        _workspace.Dispose();
    }

    [Fact(Timeout = 900_000)]
    public async Task FlipsUnderPageLoads_EachLoadSeesOneRelease_EachFlipServedAtOnce_NoInvalidation_KeyEqualsLive()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(14));
        using var site = await S3Site.CreateAsync(moto);
        var environment = Environment(site);
        var builds = new Dictionary<string, string>(); // release id → the build label its content carries
        var deployed = new List<string>();

        async Task<string> Deploy(int build)
        {
            var result = await Jamdeploy(environment, site, "deploy", Build(build), "--json");
            var release = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("release").GetString()!;
            builds[release] = Label(build);
            deployed.Add(release);
            return release;
        }

        await Deploy(0);
        await using var edge = await CloudFrontEmulatorProcess.StartAsync(_kvs.Endpoint, _originS3.Endpoint, site.Bucket, "site",
            PointerKey, assetFallbackReleases: Flips + 1, cancel.Token);

        var loads = new ConcurrentQueue<PageLoad>();
        using var stopLoading = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
        var loaders = Enumerable.Range(0, PageLoaders).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stopLoading.IsCancellationRequested; n++)
            {
                loads.Enqueue(await LoadPageAsync(edge.Url, (worker + n) % 2 == 0 ? "/" : "/about/", cancel.Token));
                // Leaves the two cores to the flips, too.
                await Task.Delay(25, CancellationToken.None);
            }
        })).ToList();

        var started = DateTime.UtcNow;
        try
        {
            for (var flip = 1; flip <= Flips; flip++)
            {
                string release;
                string command;
                switch (flip % 5)
                {
                    case 3:
                        command = "rollback";
                        release = Live(await Jamdeploy(environment, site, "rollback", "--json"));
                        break;
                    case 4:
                        // An older release than the one rolled back from, and not the live one.
                        var current = await site.LiveAsync();
                        var target = deployed.Take(deployed.Count - 1).Last(id => id != current);
                        command = $"promote {target}";
                        release = Live(await Jamdeploy(environment, site, "promote", target, "--json"));
                        Assert.Equal(target, release);
                        break;
                    default:
                        command = "deploy";
                        release = await Deploy(flip);
                        break;
                }

                // The KVS has the key the moment the command returns (the fake propagates at once): the very next
                // request for the page must come from the new release, with nothing invalidated.
                var page = await LoadPageAsync(edge.Url, "/", cancel.Token);
                Assert.True(page.Labels.All(l => l == builds[release]),
                    $"flip {flip} ({command} → {release}, {builds[release]}): the edge served {page}\n{edge.Stderr}");
                Assert.Equal(release, page.Release);
            }
        }
        finally
        {
            // Let the page loads in flight finish; a loader's own failure is reported below, not instead of a flip's.
            await stopLoading.CancelAsync();
            await Task.WhenAny(Task.WhenAll(loaders), Task.Delay(TimeSpan.FromMinutes(2), CancellationToken.None));
        }
        await Task.WhenAll(loaders).WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        // 1. Every page load, whenever it ran, came from exactly one release (invariants 2 and 8 at the CDN).
        var all = loads.ToList();
        Assert.All(all, load => Assert.True(load.Labels.Distinct().Count() == 1 && load.Labels[0] is not null, $"a page load mixed releases: {load}\n{edge.Stderr}"));
        Assert.True(all.Select(l => l.Labels[0]).Distinct().Count() > 1, $"the page loads did not run across the flips: {all.Count} loads");

        // 2. No invalidation anywhere: the CLI sent nothing but S3 requests (Cdn:Provider none), and the emulator has none.
        Assert.DoesNotContain(_cliS3.Requests, r => r.Path.Contains("invalidation", StringComparison.OrdinalIgnoreCase) || r.Path.StartsWith("/20", StringComparison.Ordinal));

        // 3. Invariant 9: the edge pointer names what live.json names.
        var live = await site.LiveAsync();
        Assert.Equal(live, await _http.GetStringAsync($"{_kvs.Endpoint}/_test/keys/{Uri.EscapeDataString(PointerKey)}", cancel.Token));
        Assert.All(_kvs.Requests, r => Assert.NotEqual(403, r.Status));

        // 4. The edge's cache answered: a cache key misses once, so S3 saw at most one blob read per file of each
        // live period (the release's own five, and as many again for pages of the release before it that fetch
        // their assets through the fallback) — however many page loads ran. Without the cache it is one per file served.
        var served = all.Sum(l => l.Labels.Count) + Flips * 4;
        var blobReads = _originS3.Requests.Count(r => r.Method == "GET" && r.Key.StartsWith("site/blobs/", StringComparison.Ordinal));
        var cacheKeys = (Flips + 1) * 2 * FilesPerBuild;
        output.WriteLine($"{Flips} flips in {DateTime.UtcNow - started:mm\\:ss}; {all.Count} page loads ({served} files) saw {all.Select(l => l.Labels[0]).Distinct().Count()} builds; {blobReads} blob reads at S3; {_kvs.Requests.Count} KVS requests");
        Assert.True(blobReads <= cacheKeys, $"{blobReads} blob reads at S3 for {served} files served (at most {cacheKeys} with a cache): the edge cache was not used");
    }

    private Dictionary<string, string> Environment(S3Site site) =>
        site.Environment(_cliS3.Endpoint, new Dictionary<string, string>
        {
            // One identity for both: moto takes any credentials, the fake KVS verifies these.
            ["AWS_ACCESS_KEY_ID"] = FakeKeyValueStore.TestCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = FakeKeyValueStore.TestCredentials.SecretAccessKey,
            ["HOME"] = _workspace.Path,
            ["JAMDEPLOY__CDN__PROVIDER"] = "none",
            ["JAMDEPLOY__CDN__KEYVALUESTORE__ARN"] = _kvs.Arn,
            ["JAMDEPLOY__CDN__KEYVALUESTORE__ENDPOINT"] = _kvs.Endpoint,
            ["JAMDEPLOY__CDN__KEYVALUESTORE__KEY"] = PointerKey,
        });

    private async Task<ProcessResult> Jamdeploy(Dictionary<string, string> environment, S3Site site, params string[] args)
    {
        var result = await JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", site.Url], environment, timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"jamdeploy {string.Join(' ', args)}: {result}");
        return result;
    }

    private static string Live(ProcessResult result) => JsonDocument.Parse(result.Stdout).RootElement.GetProperty("live").GetString()!;

    private static string Label(int build) => $"build-{build:D3}";

    /// <summary>
    /// Build n of the site: two pages referencing fingerprinted assets (the name carries the content's hash, as a
    /// bundler's does), every file marked with the build's label.
    /// </summary>
    private string Build(int build)
    {
        var label = Label(build);
        var folder = $"build{build}";
        var assets = new[] { ("assets/app", "js", $"window.build='{label}';"), ("assets/style", "css", $"body{{--build:'{label}'}}"), ("img/logo", "svg", $"<svg xmlns='http://www.w3.org/2000/svg'><title>{label}</title></svg>") }
            .Select(a => (Path: $"/{a.Item1}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(a.Item3)))[..10]}.{a.Item2}", Content: a.Item3))
            .ToList();
        foreach (var (path, content) in assets) _workspace.Write(folder + path, content);
        var links = $"<link rel=stylesheet href=\"{assets[1].Path}\"><script src=\"{assets[0].Path}\"></script><img src=\"{assets[2].Path}\">";
        _workspace.Write($"{folder}/index.html", $"<!doctype html><title>{label}</title>{links}<h1>home</h1>");
        _workspace.Write($"{folder}/about/index.html", $"<!doctype html><title>{label}</title>{links}<h1>about</h1>");
        _workspace.Write($"{folder}/404.html", $"<!doctype html><title>{label}</title><h1>not found</h1>");
        return _workspace.Combine(folder);
    }

    /// <summary>One page load as a browser makes it: the page, then every asset it references, all at once.</summary>
    private async Task<PageLoad> LoadPageAsync(string edge, string path, CancellationToken cancellationToken)
    {
        var page = await GetAsync(edge + path, cancellationToken);
        var assets = AssetReference().Matches(page.Body).Select(m => m.Groups[1].Value).ToList();
        var answers = await Task.WhenAll(assets.Select(asset => GetAsync(edge + asset, cancellationToken)));
        return new PageLoad(path, page.Release, [page, .. answers]);
    }

    /// <summary>A GET through the edge: the build label the body carries (null for anything but a 200), the body, and the release header.</summary>
    private async Task<Answer> GetAsync(string url, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var release = response.Headers.TryGetValues("X-Jamdeploy-Release", out var values) ? values.First() : null;
        var label = response.IsSuccessStatusCode ? BuildLabel().Match(body) is { Success: true } m ? m.Value : null : null;
        return new Answer(url, (int)response.StatusCode, label, body, release);
    }

    private sealed record Answer(string Url, int Status, string? Label, string Body, string? Release)
    {
        public override string ToString() => Label ?? $"{Status} for {new Uri(Url).AbsolutePath} from {Release ?? "no release"}";
    }

    private sealed record PageLoad(string Path, string? Release, IReadOnlyList<Answer> Answers)
    {
        public IReadOnlyList<string?> Labels => [.. Answers.Select(a => a.Label)];

        public override string ToString() => $"{Path} (release {Release}): {string.Join(", ", Answers)}";
    }

    [GeneratedRegex("(?:href|src)=\"([^\"]+)\"")]
    private static partial Regex AssetReference();

    [GeneratedRegex("build-[0-9]{3}")]
    private static partial Regex BuildLabel();
}
