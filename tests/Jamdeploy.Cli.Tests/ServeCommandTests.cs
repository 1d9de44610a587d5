using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// <c>jamdeploy serve</c> as a user runs it: a real process (SIGTERM, its own host and console), configuration
/// from jamdeploy.json and flags; the deploys around it run in process through the real entry point.
/// </summary>
public sealed partial class ServeCommandTests : IDisposable
{
    private readonly TempDirectory _workspace = new("serve");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 120000)]
    public async Task Serve_DeployedSite_AnswersHttpAndStopsCleanlyOnSigterm()
    {
        var deploy = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, stamp: "served"), "--store", Store], workingDirectory: _workspace.Path);
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        _workspace.Write("jamdeploy.json", """{ "Serve": { "PurgeToken": "cli-test-token", "TrailingSlash": "Redirect" } }""");
        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0"]);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromSeconds(60));
        var address = ListeningOn().Match(serve.Stdout).Groups[1].Value;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };

        var home = await http.GetStringAsync("/");
        using var about = await http.GetAsync("/about");
        using var purge = await http.PostAsync("/_jamdeploy/purge", null);
        using var purgeRequest = new HttpRequestMessage(HttpMethod.Post, "/_jamdeploy/purge") { Headers = { { "Authorization", "Bearer cli-test-token" } } };
        using var purged = await http.SendAsync(purgeRequest);
        using (Process.Start("kill", ["-TERM", serve.Id.ToString()])) { }
        var result = await serve.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("<h1>served</h1>", home);
        Assert.Equal(HttpStatusCode.MovedPermanently, about.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, purge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("GET / 200", result.Stderr);
        Assert.DoesNotContain("cli-test-token", result.Stderr + result.Stdout);
    }

    /// <summary>
    /// The local CDN option: with Cdn:Provider=edge a deploy purges every serve origin, which then serves
    /// the new release at once although its pointer TTL is an hour; a refused purge is exit 3 with the
    /// release live, and `jamdeploy invalidate` then completes it.
    /// </summary>
    [Fact(Timeout = 180000)]
    public async Task Deploy_WithEdgeCdn_PurgesTheOriginSoItServesTheNewReleaseAtOnce()
    {
        var first = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, "v1", "v1"), "--store", Store], workingDirectory: _workspace.Path);
        Assert.True(first.ExitCode == 0, first.ToString());
        _workspace.Write("jamdeploy.json", """{ "Serve": { "PurgeToken": "edge-token", "PointerTtl": "01:00:00" } }""");
        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0"]);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromSeconds(60));
        var address = ListeningOn().Match(serve.Stdout).Groups[1].Value;
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        Assert.Contains("<h1>v1</h1>", await http.GetStringAsync("/"));

        var edge = new Dictionary<string, string?> { ["JAMDEPLOY__CDN__PROVIDER"] = "edge", ["JAMDEPLOY__CDN__ORIGINS__0"] = address };
        var second = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, "v2", "v2"), "--store", Store], edge, _workspace.Path);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("<h1>v2</h1>", await http.GetStringAsync("/"));

        var wrongToken = new Dictionary<string, string?>(edge) { ["JAMDEPLOY__SERVE__PURGETOKEN"] = "wrong" };
        var third = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, "v3", "v3"), "--store", Store], wrongToken, _workspace.Path);
        Assert.True(third.ExitCode == ExitCodes.InvalidationFailed, third.ToString());
        Assert.Contains("refused the purge", third.Stderr);
        Assert.Contains("<h1>v2</h1>", await http.GetStringAsync("/"));

        var retry = await InProcessCli.RunAsync(["invalidate", "--store", Store], edge, _workspace.Path);
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Contains("<h1>v3</h1>", await http.GetStringAsync("/"));
        serve.Kill();
    }

    [Fact(Timeout = 60000)]
    public async Task Serve_BadServeSetting_ExitsWithUsageErrorNamingTheKey()
    {
        _workspace.Write("jamdeploy.json", """{ "Serve": { "MaxPathLength": 1 } }""");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Serve:MaxPathLength", result.Stderr);
    }

    [Fact(Timeout = 60000)]
    public async Task Serve_AddressInUse_ExitsWithUsageError()
    {
        using var occupied = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        Directory.CreateDirectory(Store);

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["serve", "--store", Store, "--urls", $"http://127.0.0.1:{port}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot listen", result.Stderr);
    }

    /// <summary>A store folder that does not exist would answer 503 forever: a typo, refused before listening.</summary>
    [Fact(Timeout = 90000)]
    public async Task Serve_StoreFolderThatDoesNotExist_IsExit2NamingItAndHowToCreateIt()
    {
        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["serve", "--store", "no-such-store", "--urls", "http://127.0.0.1:0"]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"jamdeploy: store {_workspace.Combine("no-such-store")} does not exist: deploy to it first (`jamdeploy deploy <dir> --store no-such-store`), or give --store the store you deploy to", line);
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(_workspace.Combine("no-such-store")));
    }

    /// <summary>An existing store with nothing deployed yet is served (503 until the first deploy): an origin may start first.</summary>
    [Fact(Timeout = 120000)]
    public async Task Serve_EmptyStoreFolder_StartsAndAnswers503()
    {
        Directory.CreateDirectory(Store);
        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0"]);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(ListeningOn().Match(serve.Stdout).Groups[1].Value) };

        using var response = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        serve.Kill();
    }

    [GeneratedRegex(@" on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
