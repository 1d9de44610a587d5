using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// <c>deploy --dry-run</c> as a user reads it before a deploy: which paths the release adds, changes and removes
/// against the live one (unchanged ones only on request), and what the CDN would be told and for how much. In
/// process, through the real root command; the store is checked untouched.
/// </summary>
public sealed class DryRunTests : IDisposable
{
    private readonly TempDirectory _workspace = new("dry-run");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    /// <summary>v1 live; v2 edits the home page, adds /new.html and drops /js/app.js; the other four are as they were.</summary>
    private async Task<string> EditedSiteAsync()
    {
        var v1 = Some.Site(_workspace, "v1", "v1");
        var deployed = await InProcessCli.RunAsync(["deploy", v1, "--store", Store], ct: CancellationToken.None);
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        var v2 = Some.Site(_workspace, "v2", "v1");
        _workspace.Write("v2/index.html", "<h1>edited</h1>");
        _workspace.Write("v2/new.html", "<h1>new</h1>");
        File.Delete(_workspace.Combine("v2", "js", "app.js"));
        return v2;
    }

    [Fact(Timeout = 60_000)]
    public async Task DryRun_Human_ShowsAddedChangedRemovedAndCounts_NotTheUnchanged()
    {
        var site = await EditedSiteAsync();
        var before = StoreSnapshot.Of(Store);

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--dry-run"], ct: CancellationToken.None);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "  change /index.html (15 B): upload, changed content",
            "  remove /js/app.js",
            "  add    /new.html (12 B): upload, new file",
            "no CDN configured (Cdn:Provider is none): nothing to invalidate",
            "dry run: 6 files, 2 new blobs (27 B), 4 reused; 1 added, 1 changed, 1 removed, 4 unchanged; nothing written",
            $"store: {Store}",
        ], lines);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Fact(Timeout = 60_000)]
    public async Task DryRun_ListUnchanged_ShowsTheUnchangedToo()
    {
        var site = await EditedSiteAsync();

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--dry-run", "--list-unchanged"], ct: CancellationToken.None);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("  keep   /404.html (18 B): reuse, unchanged content, already in the live release", result.Stdout.Split('\n'));
        Assert.Equal(7, result.Stdout.Split('\n').Count(l => l.StartsWith("  ", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 60_000)]
    public async Task DryRun_Json_CountsAndListsOnlyTheChangedPaths_WithTheInvalidationAndItsCost()
    {
        var site = await EditedSiteAsync();
        // A dry run never calls the CDN: the distribution and the endpoint need not exist.
        var cloudFront = new Dictionary<string, string?>
        {
            ["JAMDEPLOY__Cdn__Provider"] = "cloudfront",
            ["JAMDEPLOY__Cdn__DistributionId"] = "E2QWRUHAPOMQZL",
            ["JAMDEPLOY__Cdn__Endpoint"] = "http://nonexistent.invalid",
        };

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--dry-run", "--json"], cloudFront, ct: CancellationToken.None);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        var changes = json.GetProperty("changes");
        Assert.Equal((1, 1, 1, 4), (changes.GetProperty("added").GetInt32(), changes.GetProperty("changed").GetInt32(),
            changes.GetProperty("removed").GetInt32(), changes.GetProperty("unchanged").GetInt32()));
        var plan = json.GetProperty("plan").EnumerateArray()
            .Select(f => $"{f.GetProperty("change").GetString()} {f.GetProperty("path").GetString()}").ToArray();
        Assert.Equal(["changed /index.html", "removed /js/app.js", "added /new.html"], plan);
        var invalidation = json.GetProperty("invalidation");
        Assert.Equal(["/", "/index.html", "/js/app.js", "/new", "/new.html"], invalidation.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(0.025m, invalidation.GetProperty("worstCaseCostUsd").GetDecimal());
    }
}
