using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// What the scan lets into a release, through the real entry point: a path no edge would serve is refused (one line,
/// exit 2, nothing stored), a link loop is the scanner's one line, and a link never publishes what is skipped under
/// its own name (<c>.git</c>). The edge half of the agreement is checked by serving the longest accepted path.
/// </summary>
public sealed partial class DeployPathTests : IDisposable
{
    private readonly TempDirectory _workspace = new("deploy-paths");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private Task<ProcessResult> DeployAsync(string folder) =>
        InProcessCli.RunAsync(["deploy", folder, "--store", Store], workingDirectory: _workspace.Path);

    private async Task<IReadOnlyDictionary<string, string>> StoreWithALiveReleaseAsync()
    {
        var first = await DeployAsync(Some.Site(_workspace, "good"));
        Assert.True(first.ExitCode == 0, first.ToString());
        return StoreSnapshot.Of(Store);
    }

    private async Task AssertRefusedAsync(string folder, params string[] mentions)
    {
        var before = await StoreWithALiveReleaseAsync();

        var result = await DeployAsync(folder);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.StartsWith("jamdeploy: ", lines[0]);
        foreach (var mention in mentions) Assert.Contains(mention, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    /// <summary>A site path of exactly <paramref name="length"/> characters, in folders whose names fit in 255 bytes of UTF-8.</summary>
    private static string PathOfLength(int length, char fill = 'a')
    {
        var longestName = 240 / System.Text.Encoding.UTF8.GetByteCount([fill]);
        var segments = new List<string>();
        var left = length - 1 - ".html".Length; // the leading slash, the extension
        while (left > 0)
        {
            var take = Math.Min(longestName, left);
            if (left - take is > 0 and < 2) take -= 2; // a folder needs its slash and a name after it
            segments.Add(new string(fill, take));
            left -= take + 1;
        }
        var path = string.Join('/', segments) + ".html";
        Assert.Equal(length, path.Length + 1);
        return path;
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_PathLongerThanTheEdgesServe_IsRefusedNamingTheFile()
    {
        var path = PathOfLength(1025);
        _workspace.Write($"long/{path}", "never servable");
        _workspace.Write("long/index.html", "home");

        await AssertRefusedAsync("long", $"'{path}' is 1,025 characters long", "Serve:MaxPathLength");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_PathWithinAConfiguredShorterLimit_IsJudgedByThatLimit()
    {
        var path = PathOfLength(300);
        _workspace.Write($"long/{path}", "longer than this serve serves");
        _workspace.Write("jamdeploy.json", """{ "Serve": { "MaxPathLength": 256 } }""");

        await AssertRefusedAsync("long", $"'{path}' is 300 characters long", "over 256 (Serve:MaxPathLength)");
    }

    /// <summary>1,000 characters, under the decoded limit, but 9,000 as a client must send them: Kestrel and CloudFront answer 414.</summary>
    [Fact(Timeout = 60000)]
    public async Task Deploy_PathTooLongOnceEncoded_IsRefused()
    {
        var path = PathOfLength(1000, fill: '€');
        _workspace.Write($"euro/{path}", "never servable");

        await AssertRefusedAsync("euro", "characters long as a URL (percent-encoded UTF-8)", "over 8,000");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_FileUnderTheEdgesOwnPrefix_IsRefused()
    {
        _workspace.Write("reserved/index.html", "home");
        _workspace.Write("reserved/_jamdeploy/health.html", "shadowed");

        await AssertRefusedAsync("reserved", "'_jamdeploy/health.html' is under /_jamdeploy/");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_LinkLoop_IsRefusedWithTheScannersLine()
    {
        _workspace.Write("loop/index.html", "home");
        File.CreateSymbolicLink(_workspace.Combine("loop", "a"), "b");
        File.CreateSymbolicLink(_workspace.Combine("loop", "b"), "a");

        await AssertRefusedAsync("loop", "is a loop of links");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_LinkToGitUnderAnotherName_DeploysNothingOfTheRepository()
    {
        var site = _workspace.Combine("repo");
        _workspace.Write("repo/index.html", "home");
        _workspace.Write("repo/.git/config", "[remote] url = https://token@example.com/private.git");
        _workspace.Write("repo/.git/HEAD", "ref: refs/heads/main");
        Directory.CreateSymbolicLink(Path.Combine(site, "history"), ".git");
        File.CreateSymbolicLink(Path.Combine(site, "settings.txt"), Path.Combine(".git", "config"));

        var result = await DeployAsync(site);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["/index.html"], LivePaths());
        Assert.Contains("Skipped history", result.Stderr);
        Assert.Contains("Skipped settings.txt", result.Stderr);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(Store, "blobs")), blob => File.ReadAllText(blob).Contains("token@"));
    }

    /// <summary>The longest path deploy accepts is one serve answers: the two limits are one.</summary>
    [Fact(Timeout = 120000)]
    public async Task Deploy_PathOfExactlyTheLimit_IsServed()
    {
        var path = PathOfLength(1024);
        _workspace.Write($"edge/{path}", "just servable");
        var deploy = await DeployAsync(_workspace.Combine("edge"));
        Assert.True(deploy.ExitCode == 0, deploy.ToString());

        using var serve = InProcessCli.Start(["serve", "--store", Store, "--urls", "http://127.0.0.1:0"], workingDirectory: _workspace.Path);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(ListeningOn().Match(serve.Stdout).Groups[1].Value), Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync("/" + path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("just servable", await response.Content.ReadAsStringAsync());
    }

    private IReadOnlyList<string> LivePaths()
    {
        using var pointer = JsonDocument.Parse(File.ReadAllText(Path.Combine(Store, "live.json")));
        var live = pointer.RootElement.GetProperty("live").GetString();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Store, "releases", $"{live}.json")));
        return [.. manifest.RootElement.GetProperty("files").EnumerateObject().Select(p => p.Name)];
    }

    [GeneratedRegex(@" on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
