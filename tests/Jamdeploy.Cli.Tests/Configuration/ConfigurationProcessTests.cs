using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Configuration;

/// <summary>
/// What a user saw before configuration had one owner, through the real process: a misspelt key deployed
/// somewhere else with exit 0, and a user's ignore pattern brought back the .DS_Store the defaults skip.
/// </summary>
public sealed class ConfigurationProcessTests : IDisposable
{
    private readonly TempDirectory _workspace = new("configuration-process");

    public void Dispose() => _workspace.Dispose();

    private void AssertRefusedWritingNothing(ProcessResult result, string message)
    {
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Equal($"jamdeploy: {message}\n", result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(_workspace.Combine(".jamdeploy")), "the default store was written");
        Assert.False(Directory.Exists(_workspace.Combine("store")), "the named store was written");
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_MisspeltStoreInProjectFile_IsExit2AndWritesNothing()
    {
        var site = Some.Site(_workspace);
        _workspace.Write("jamdeploy.json", """{ "Stor": "store" }""");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site]);

        AssertRefusedWritingNothing(result, "unknown key 'Stor' in jamdeploy.json; did you mean 'Store'?");
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_MisspeltCdnProviderInProjectFile_IsExit2AndWritesNothing()
    {
        var site = Some.Site(_workspace);
        _workspace.Write("jamdeploy.json", """{ "Store": "store", "Cdn": { "Provder": "cloudfront", "DistributionId": "E2QWRUHAPOMQZL" } }""");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site]);

        AssertRefusedWritingNothing(result, "unknown key 'Cdn:Provder' in jamdeploy.json; did you mean 'Cdn:Provider'?");
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_MisspeltStoreVariable_IsExit2AndWritesNothing()
    {
        var site = Some.Site(_workspace);

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site], new Dictionary<string, string> { ["JAMDEPLOY__STOR"] = "store" });

        AssertRefusedWritingNothing(result, "unknown key 'STOR' in environment variable JAMDEPLOY__STOR; did you mean 'JAMDEPLOY__Store'?");
    }

    [Fact(Timeout = 60_000)]
    public async Task DeployDryRun_UserIgnorePattern_KeepsIgnoringTheDefaults()
    {
        var site = Some.Site(_workspace);
        _workspace.Write("public/.DS_Store", "finder");
        _workspace.Write("public/img/.DS_Store", "finder");
        _workspace.Write("public/NOTES.md", "draft");
        _workspace.Write("jamdeploy.json", """{ "Deploy": { "Ignore": [ "*.md" ] } }""");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site, "--dry-run", "--json", "--store", "store"]);

        Assert.True(result.ExitCode == ExitCodes.Done, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var planned = json.RootElement.GetProperty("plan").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Contains("/index.html", planned);
        Assert.DoesNotContain("/NOTES.md", planned);
        Assert.DoesNotContain(planned, p => p!.EndsWith(".DS_Store", StringComparison.Ordinal));
    }

    /// <summary>Every other variable's name is case-insensitive; the log file's was the one exception.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Deploy_LogFileVariableInMixedCase_WritesTheLog()
    {
        var site = Some.Site(_workspace);
        var log = _workspace.Combine("jamdeploy.log");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site, "--verbose", "--store", "store"],
            new Dictionary<string, string> { ["JAMDEPLOY__Logging__File"] = log });

        Assert.True(result.ExitCode == ExitCodes.Done, result.ToString());
        Assert.True(File.Exists(log), "no log file");
        Assert.NotEqual("", await File.ReadAllTextAsync(log));
    }
}
