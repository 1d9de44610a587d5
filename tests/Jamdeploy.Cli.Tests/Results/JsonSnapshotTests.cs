using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Results;

/// <summary>
/// Every command's <c>--json</c> document, as machines read it: snapshots under Results/snapshots, so a
/// renamed, dropped or retyped field is a decision a reviewer sees. Release ids, times and the temporary
/// paths are replaced by placeholders; hashes and sizes are the sample site's and stay. After an intended
/// change, rerun with JAMDEPLOY_UPDATE_SNAPSHOTS=1 and review the diff. In process, through the real root command.
/// </summary>
public sealed partial class JsonSnapshotTests : IDisposable
{
    private readonly TempDirectory _workspace = new("json-snapshots");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string, string[]> Scenarios => new()
    {
        { "deploy", ["deploy", "{v3}", "-m", "third", "--commit", "c3"] },
        { "deploy-dry-run", ["deploy", "{v3}", "--dry-run"] },
        { "deploy-unchanged", ["deploy", "{v2}"] },
        { "deploy-no-promote", ["deploy", "{v3}", "--no-promote", "-m", "third", "--commit", "c3"] },
        { "promote", ["promote", "{first}"] },
        { "rollback", ["rollback"] },
        { "releases", ["releases"] },
        { "status", ["status"] },
        { "invalidate-dry-run", ["invalidate", "--dry-run"] },
        { "cleanup-dry-run", ["cleanup", "--dry-run", "--keep-last", "1", "--keep-for", "0", "--grace-period", "0"] },
        { "cleanup", ["cleanup", "--keep-last", "1", "--keep-for", "0", "--grace-period", "0"] },
        { "verify", ["verify", "--deep"] },
        { "pin", ["pin", "{first}", "--note", "keep"] },
        { "unpin", ["unpin", "{first}"] },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Scenarios))]
    public async Task Json_MatchesTheSnapshot(string name, string[] command)
    {
        var first = await DeployAsync("v1", "first");
        var second = await DeployAsync("v2", "second");
        var sites = new Dictionary<string, string>
        {
            ["{first}"] = first, ["{v2}"] = Some.Site(_workspace, "v2", "v2"), ["{v3}"] = Some.Site(_workspace, "v3", "v3"),
        };
        string[] args = [.. command.Select(a => sites.GetValueOrDefault(a, a)), "--store", Store, "--json"];

        var result = await InProcessCli.RunAsync(args, ct: CancellationToken.None);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout); // one document and nothing else
        AssertMatchesSnapshot(name, Normalize(result.Stdout, first, second));
    }

    /// <summary>serve writes its document once it listens (a real process: it runs until stopped).</summary>
    [Fact(Timeout = 120_000)]
    public async Task Serve_Json_MatchesTheSnapshot()
    {
        var first = await DeployAsync("v1", "first");
        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", Store, "--urls", "http://127.0.0.1:0", "--json"]);

        await serve.WaitForOutputAsync("}\n", TimeSpan.FromSeconds(50));
        serve.Kill();

        var stdout = serve.Stdout;
        using var document = JsonDocument.Parse(stdout);
        AssertMatchesSnapshot("serve", PortPattern().Replace(Normalize(stdout, first, first), "<port>"));
    }

    private async Task<string> DeployAsync(string stamp, string message)
    {
        var site = Some.Site(_workspace, stamp, stamp);
        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--json", "-m", message, "--commit", $"c-{stamp}"], ct: CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.GetProperty("release").GetString()!;
    }

    /// <summary>Placeholders for what differs run to run: the two releases deployed first, then any new one.</summary>
    private string Normalize(string json, string first, string second)
    {
        var text = json.Replace(_workspace.Path, "<workspace>", StringComparison.Ordinal)
            .Replace(first, "<first>", StringComparison.Ordinal).Replace(second, "<second>", StringComparison.Ordinal);
        var ids = new Dictionary<string, string>();
        text = ReleaseIdPattern().Replace(text, m => ids.TryGetValue(m.Value, out var known) ? known : ids[m.Value] = $"<new-{ids.Count + 1}>");
        text = TimePattern().Replace(text, "\"<time>\"");
        return text.ReplaceLineEndings("\n").TrimEnd() + "\n";
    }

    internal static void AssertMatchesSnapshot(string name, string actual, [CallerFilePath] string here = "")
    {
        var snapshot = Path.Combine(Path.GetDirectoryName(here)!, "snapshots", name + ".json");
        if (Environment.GetEnvironmentVariable("JAMDEPLOY_UPDATE_SNAPSHOTS") == "1") File.WriteAllText(snapshot, actual);
        Assert.True(File.Exists(snapshot), $"no snapshot {snapshot}: rerun with JAMDEPLOY_UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(File.ReadAllText(snapshot), actual);
    }

    [GeneratedRegex(@"(?<=//(127\.0\.0\.1|<release-id>\.localhost):)\d+")]
    private static partial Regex PortPattern();

    [GeneratedRegex(@"\b\d{8}-\d{6}-[0-9a-f]{6}\b")]
    private static partial Regex ReleaseIdPattern();

    [GeneratedRegex("\"\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(Z|[+-]\\d{2}:\\d{2})\"")]
    private static partial Regex TimePattern();
}
