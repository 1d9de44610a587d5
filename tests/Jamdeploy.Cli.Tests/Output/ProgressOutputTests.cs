using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Output;

/// <summary>
/// Progress is for a person watching a terminal: a real process whose stdout is a pipe (a CI log, a file) prints
/// the result and nothing else, and --json prints one document. The terminal display is shown in the closing note
/// (a pty capture), not asserted here: a test cannot own a terminal.
/// </summary>
public sealed class ProgressOutputTests : IDisposable
{
    private readonly TempDirectory _workspace = new("progress-output");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task Deploy_StdoutNotATerminal_PrintsTheResultAndNoProgress()
    {
        var site = Some.BulkSite(_workspace, files: 200, size: 2048);
        var noCi = new Dictionary<string, string> { ["CI"] = "false", ["GITHUB_ACTIONS"] = "" };

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site, "--store", _workspace.Combine("store")], noCi);

        Assert.True(result.ExitCode == 0, result.ToString());
        // The result only: what went live, where, and the address to open.
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("live: ", lines[0]);
        Assert.Equal($"store: {_workspace.Combine("store")}", lines[1]);
        Assert.StartsWith("url: ", lines[2]);
        Assert.DoesNotContain('\r', result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_Json_PrintsOneDocumentAndNoProgress()
    {
        var site = Some.BulkSite(_workspace, files: 200, size: 2048);

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site, "--store", _workspace.Combine("store"), "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout); // throws on anything before or after the document
        Assert.Equal("live", document.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("", result.Stderr);
    }
}
