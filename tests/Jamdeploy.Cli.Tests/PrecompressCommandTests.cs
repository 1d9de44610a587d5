using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// Precompression as a user drives it: on by default and said in the summary line and in --json, off with
/// --no-precompress or Deploy:Precompress:Enabled=false, a bad setting refused before anything is written.
/// In process, through the real root command.
/// </summary>
public sealed class PrecompressCommandTests : IDisposable
{
    private readonly TempDirectory _workspace = new("precompress-cli");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private string SiteWithAPage()
    {
        var site = Some.Site(_workspace);
        _workspace.Write("public/docs/index.html", string.Concat(Enumerable.Repeat("<p>a long page of documentation</p>\n", 100)));
        return site;
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_ByDefault_MakesTheFormsAndSaysSo()
    {
        var site = SiteWithAPage();

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store], ct: CancellationToken.None);
        var again = await InProcessCli.RunAsync(["deploy", site, "--store", Store, "--json"], ct: CancellationToken.None);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^live: \S+ \(7 files, 7 new blobs \([^)]*\), 0 reused, 2 precompressed forms made \(7\.0 KiB → \d+ B, [^)]+ compressing\), 0 reused\)", result.Stdout);
        using var json = JsonDocument.Parse(again.Stdout);
        Assert.Equal("unchanged", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("precompressed").GetProperty("made").GetInt32());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--no-precompress", null)]
    [InlineData(null, "false")]
    public async Task Deploy_PrecompressionOff_MakesNoForms(string? flag, string? enabled)
    {
        var site = SiteWithAPage();
        string[] args = flag is null ? ["deploy", site, "--store", Store, "--json"] : ["deploy", site, "--store", Store, "--json", flag];
        var env = new Dictionary<string, string?> { ["JAMDEPLOY__DEPLOY__PRECOMPRESS__ENABLED"] = enabled };

        var result = await InProcessCli.RunAsync(args, env, ct: CancellationToken.None);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(0, json.RootElement.GetProperty("precompressed").GetProperty("made").GetInt32());
        Assert.DoesNotContain("encodings", File.ReadAllText(Directory.GetFiles(_workspace.Combine("store", "releases")).Single()));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("JAMDEPLOY__DEPLOY__PRECOMPRESS__QUALITY", "12", "Deploy:Precompress:Quality must be between 0 and 11 (got 12)")]
    [InlineData("JAMDEPLOY__DEPLOY__PRECOMPRESS__TYPES__0", "text", "Deploy:Precompress:Types: 'text' is not a media type")]
    public async Task Deploy_BadPrecompressSetting_IsExit2NamingItAndWritesNothing(string variable, string value, string message)
    {
        var site = SiteWithAPage();

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", Store], new Dictionary<string, string?> { [variable] = value }, ct: CancellationToken.None);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.False(Directory.Exists(Store));
    }
}
