using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.Manifests;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// Site rules through the real CLI: <c>_headers</c>, <c>_redirects</c> and jamdeploy.json's Site section are checked at
/// deploy (a bad line is exit 2 naming file and line, the store byte-identical), travel with the release (a rules-only
/// change deploys, rollback brings the old rules back) and show in a dry run and its invalidation.
/// </summary>
public sealed partial class SiteRulesTests : IDisposable
{
    private readonly TempDirectory _workspace = new("site-rules");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private async Task<ProcessResult> JamdeployAsync(params string[] args) =>
        await InProcessCli.RunAsync([.. args, "--store", Store], workingDirectory: _workspace.Path);

    private async Task DeployAsync(string folder)
    {
        var result = await JamdeployAsync("deploy", folder);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "_redirects", "# moved pages\n/old /new 301\n/older /new 999\n", "public/_redirects:3: status 999 is not supported" },
        { "_redirects", "\n/blog/:year /news/:month 301\n", "public/_redirects:2: '/news/:month' uses :month, which from ('/blog/:year') does not capture" },
        { "_redirects", "/a/*/b/* /c 301\n", "public/_redirects:1: '/a/*/b/*' has more than one *" },
        { "_redirects", "/old new-page 301\n", "public/_redirects:1: 'new-page' is neither a path of this site" },
        { "_redirects", "/app/* https://example.com/app 200\n", "public/_redirects:1: a rewrite (200) serves a file of this site" },
        { "_redirects", "/store id=:id /blog/:id 301\n", "public/_redirects:1: query conditions ('id=:id') are not supported" },
        { "_redirects", "/ /en 302 Country=us\n", "public/_redirects:1: conditions ('Country=us') are not supported" },
        { "_redirects", "/admin/* /login 401 Role=admin\n", "public/_redirects:1: conditions ('Role=admin') are not supported" },
        { "_headers", "/*\n  X-Frame-Options: DENY\n  Bad Name: x\n", "public/_headers:3: 'Bad Name' is not a header name" },
        { "_headers", "/*\n  Content-Type: text/plain\n", "public/_headers:2: Content-Type is set by the edges" },
        { "_headers", "/*\n  x-amz-cf-id: mine\n", "public/_headers:2: x-amz-cf-id is set by the edges" },
        { "_headers", "/*\nX-Frame-Options: DENY\n", "public/_headers:2: 'X-Frame-Options: DENY' is not a path" },
        { "_headers", "  X-Frame-Options: DENY\n", "public/_headers:1: a header line before any path" },
        { "_headers", "/*\n  X-Long: " + new string('a', 2_100) + "\n", "public/_headers:2: the line is 2,110 characters long" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(BadFiles))]
    public async Task Deploy_BadRuleLine_IsExit2NamingFileAndLine_StoreUnchanged(string file, string text, string mentions)
    {
        await DeployAsync(Some.Site(_workspace, "live"));
        Some.Site(_workspace, "public", "v2");
        _workspace.Write($"public/{file}", text);

        await AssertRefusedAsync(mentions, "deploy", "public");
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_TooManyRedirects_IsRefusedAtTheFirstOneOverTheLimit()
    {
        await DeployAsync(Some.Site(_workspace, "live"));
        Some.Site(_workspace, "public", "v2");
        _workspace.Write("public/_redirects", string.Concat(Enumerable.Range(0, 2_001).Select(i => $"/old/{i} /new/{i}\n")));

        await AssertRefusedAsync("public/_redirects:2001: more than 2,000 redirect rules", "deploy", "public");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("""{ "Site": { "Redirects": [ { "From": "/a", "To": "/b" }, { "From": "/c", "To": "/d", "Status": 418 } ] } }""",
        "jamdeploy.json: Site:Redirects:1: status 418 is not supported")]
    [InlineData("""{ "Site": { "Headers": [ { "Path": "/*", "Headers": { "ETag": "\"mine\"" } } ] } }""",
        "jamdeploy.json: Site:Headers:0: ETag is set by the edges")]
    [InlineData("""{ "Site": { "Redirects": [ { "From": "/*", "To": "https://example.com/:splat", "Status": 404 } ] } }""",
        "jamdeploy.json: Site:Redirects:0: a 404 rule serves a file of this site")]
    public async Task Deploy_BadConfiguredRule_IsExit2NamingTheKey_StoreUnchanged(string configuration, string mentions)
    {
        await DeployAsync(Some.Site(_workspace, "live"));
        Some.Site(_workspace, "public", "v2");
        _workspace.Write("jamdeploy.json", configuration);

        await AssertRefusedAsync(mentions, "deploy", "public");
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_RulesOnlyChange_IsARealDeploy_AndTheRuleFilesAreNotSiteFiles()
    {
        await DeployAsync(Some.Site(_workspace, "public", "v1"));
        _workspace.Write("public/_headers", "/css/*\n  X-Served-By: rules\n");
        _workspace.Write("public/_redirects", "/old /about/ 301\n");

        var result = await JamdeployAsync("deploy", "public");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("live: ", result.Stdout);
        var live = await LiveManifestAsync();
        Assert.DoesNotContain("/_headers", live.Files.Keys);
        Assert.DoesNotContain("/_redirects", live.Files.Keys);
        Assert.Equal([new RedirectRule("/old", "/about/", 301, false)], live.Rules!.Redirects.ToArray());
        Assert.Equal("rules", live.Rules.Headers.Single().Headers["X-Served-By"]);

        var again = await JamdeployAsync("deploy", "public");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.StartsWith("unchanged: ", again.Stdout);
    }

    /// <summary>Issue #13: release 1 has a redirect, release 2 does not, rollback brings it back (seen through serve).</summary>
    [Fact(Timeout = 120_000)]
    public async Task Rollback_RestoresTheRedirectsOfTheReleaseItMakesLive()
    {
        Some.Site(_workspace, "v1", "v1");
        _workspace.Write("v1/_redirects", "/old-page /about/ 301\n");
        await DeployAsync("v1");
        await DeployAsync(Some.Site(_workspace, "v2", "v2"));
        Assert.Empty((await LiveManifestAsync()).Rules?.Redirects ?? []);

        var rollback = await JamdeployAsync("rollback");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());

        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0"]);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromSeconds(60));
        var address = ListeningOn().Match(serve.Stdout).Groups[1].Value;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
        using var old = await http.GetAsync("/old-page?from=mail");
        using var rulesFile = await http.GetAsync("/_redirects");
        serve.Kill();

        Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
        Assert.Equal("/about/?from=mail", old.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, rulesFile.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task DryRun_HeaderOnlyChange_ListsTheRuleChangeAndInvalidatesThePathsItAffects()
    {
        Some.Site(_workspace, "public", "v1");
        _workspace.Write("public/_headers", "/css/*\n  X-Version: 1\n");
        await DeployAsync("public");
        _workspace.Write("public/_headers", "/css/*\n  X-Version: 2\n");
        _workspace.Write("public/_redirects", "/news/* /blog/:splat 302\n");
        var before = StoreSnapshot.Of(Store);
        var cloudFront = new Dictionary<string, string?>
        {
            ["JAMDEPLOY__Cdn__Provider"] = "cloudfront",
            ["JAMDEPLOY__Cdn__DistributionId"] = "E2QWRUHAPOMQZL",
            ["JAMDEPLOY__Cdn__Endpoint"] = "http://nonexistent.invalid",
        };

        var json = await InProcessCli.RunAsync(["deploy", "public", "--store", Store, "--dry-run", "--json"], cloudFront, _workspace.Path);
        var human = await InProcessCli.RunAsync(["deploy", "public", "--store", Store, "--dry-run"], cloudFront, _workspace.Path);

        Assert.True(json.ExitCode == 0, json.ToString());
        var document = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(0, document.GetProperty("changes").GetProperty("changed").GetInt32());
        Assert.Equal(
            ["header removed /css/* X-Version: 1", "header added /css/* X-Version: 2", "redirect added /news/* /blog/:splat 302"],
            document.GetProperty("ruleChanges").EnumerateArray()
                .Select(c => $"{c.GetProperty("kind").GetString()} {c.GetProperty("change").GetString()} {c.GetProperty("rule").GetString()}"));
        Assert.Equal(["/css/site.css", "/news", "/news/*"],
            document.GetProperty("invalidation").GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("  add    header rule /css/* X-Version: 2", human.Stdout.Split('\n'));
        Assert.Contains("  remove header rule /css/* X-Version: 1", human.Stdout.Split('\n'));
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    private async Task AssertRefusedAsync(string mentions, params string[] args)
    {
        var before = StoreSnapshot.Of(Store);
        var result = await JamdeployAsync(args);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.StartsWith("jamdeploy: ", lines[0]);
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    private async Task<Manifest> LiveManifestAsync()
    {
        var releases = new ReleaseStore(new LocalDirectoryStore(Store));
        var live = await releases.ReadLiveAsync(CancellationToken.None);
        return await releases.ReadLiveManifestAsync(live.Live!.Value, CancellationToken.None);
    }

    [GeneratedRegex(@" on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
