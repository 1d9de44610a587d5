using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// A URL to look at after every deploy and when serve starts: the live site's, a stored release's preview,
/// and previews by host on <c>&lt;id&gt;.localhost</c> with no configuration. Deploys in process through the
/// real entry point; serve as a real process, over a socket.
/// </summary>
public sealed partial class SiteUrlTests : IDisposable
{
    private readonly TempDirectory _workspace = new("site-urls");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private async Task<ProcessResult> DeployAsync(string stamp, params string[] extra)
    {
        var result = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, stamp, stamp), "--store", Store, .. extra], workingDirectory: _workspace.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static string LastLine(ProcessResult result) => result.Stdout.TrimEnd().Split('\n')[^1];

    [Fact(Timeout = 120_000)]
    public async Task Deploy_WithSiteUrl_EndsWithIt()
    {
        _workspace.Write("jamdeploy.json", """{ "Site": { "Url": "https://www.example.com/" } }""");

        var human = await DeployAsync("one");
        var json = JsonDocument.Parse((await DeployAsync("two", "--json")).Stdout).RootElement;
        var unchanged = await DeployAsync("two");

        Assert.Equal("url: https://www.example.com/", LastLine(human));
        Assert.Equal("https://www.example.com/", json.GetProperty("url").GetString());
        Assert.Equal("url: https://www.example.com/", LastLine(unchanged));
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_WithoutSiteUrl_EndsWithWhereServeShowsIt()
    {
        var human = await DeployAsync("one");

        Assert.Equal("url: http://127.0.0.1:8080/ (while `jamdeploy serve` runs)", LastLine(human));
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_NoPromote_EndsWithThePreviewUrlOfTheRelease()
    {
        await DeployAsync("one");

        var local = JsonDocument.Parse((await DeployAsync("two", "--no-promote", "--json")).Stdout).RootElement;
        _workspace.Write("jamdeploy.json", """{ "Site": { "Url": "https://www.example.com/", "PreviewHostSuffix": "preview.example.com" } }""");
        var published = await DeployAsync("three", "--no-promote");

        var localId = local.GetProperty("release").GetString();
        Assert.Equal($"http://{localId}.localhost:8080/", local.GetProperty("previewUrl").GetString());
        var publishedId = Regex.Match(published.Stdout, @"stored: (\S+)").Groups[1].Value;
        Assert.Equal($"preview: https://{publishedId}.preview.example.com/", LastLine(published));
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_BadPreviewHostSuffix_IsAUsageErrorAndWritesNothing()
    {
        _workspace.Write("jamdeploy.json", """{ "Site": { "PreviewHostSuffix": "https://preview.example.com" } }""");

        var result = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, "one", "one"), "--store", Store], workingDirectory: _workspace.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Site:PreviewHostSuffix", result.Stderr);
        Assert.False(Directory.Exists(Store));
    }

    /// <summary>
    /// The newcomer's path: a release stored with --no-promote, then `jamdeploy serve` with no flags. Serve names the
    /// preview form, and on <c>&lt;id&gt;.localhost</c> the release answers, its own root-absolute links included.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Serve_OnLoopback_PrintsItsUrlsAndServesPreviewsByHostOutOfTheBox()
    {
        await DeployAsync("one");
        var staged = JsonDocument.Parse((await DeployAsync("two", "--no-promote", "--json")).Stdout).RootElement.GetProperty("release").GetString()!;

        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0"]);
        await serve.WaitForOutputAsync("previews:", TimeSpan.FromSeconds(60));
        var port = PreviewLine().Match(serve.Stdout) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no preview URL in:\n{serve.Stdout}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/about/") { Headers = { Host = $"{staged}.localhost:{port}" } };

        using var preview = await http.SendAsync(request);
        var live = await http.GetStringAsync("/about/");
        serve.Kill();

        Assert.Contains($"live site: http://127.0.0.1:{port}/", serve.Stdout);
        Assert.Equal("<h1>about two</h1>", await preview.Content.ReadAsStringAsync());
        Assert.Equal("<h1>about one</h1>", live);
    }

    [GeneratedRegex(@"previews: http://<release-id>\.localhost:(\d+)/")]
    private static partial Regex PreviewLine();
}
