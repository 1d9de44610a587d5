using System.Net;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// Serve settings that Kestrel would only read when it starts (the addresses, the port, the blob cache folder):
/// a mistake is one line naming the setting and exit 2, never a stack trace, and the store is untouched.
/// </summary>
public sealed class ServeSettingsTests : IDisposable
{
    private readonly TempDirectory _workspace = new("serve-settings");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private async Task<IReadOnlyDictionary<string, string>> DeployedStoreAsync()
    {
        var deploy = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace), "--store", Store], workingDirectory: _workspace.Path);
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        return StoreSnapshot.Of(Store);
    }

    private static void AssertOneLine(ProcessResult result, params string[] mentions)
    {
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.StartsWith("jamdeploy: ", lines[0]);
        foreach (var mention in mentions) Assert.Contains(mention, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
    }

    [Fact(Timeout = 60000)]
    public async Task Serve_UrlsVariableNotAnAddress_ExitsWithOneLineNamingTheSettingAndTheForm()
    {
        var before = await DeployedStoreAsync();

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["serve", "--store", Store],
            new Dictionary<string, string> { ["JAMDEPLOY__SERVE__URLS"] = "notaurl" });

        AssertOneLine(result, "Serve:Urls", "'notaurl'", "http://<host>:<port>");
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Theory(Timeout = 60000)]
    [InlineData("http://127.0.0.1:99999", "not an address")]
    [InlineData("https://127.0.0.1:0", "plain HTTP")]
    [InlineData("http://127.0.0.1:0/site", "with a path")]
    [InlineData("ftp://127.0.0.1:0", "not an address")]
    [InlineData("http://127.0.0.1:0;http://", "'http://'")]
    public async Task Serve_UrlsKestrelWouldRefuseLate_ExitsWithOneLine(string urls, string says)
    {
        var before = await DeployedStoreAsync();

        var result = await InProcessCli.RunAsync(["serve", "--store", Store], new Dictionary<string, string?> { ["JAMDEPLOY__SERVE__URLS"] = urls }, _workspace.Path);

        AssertOneLine(result, "Serve:Urls", says);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Fact(Timeout = 60000)]
    public async Task Serve_AddressInUse_ExitsWithOneLineSayingSo()
    {
        var before = await DeployedStoreAsync();
        using var occupied = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["serve", "--store", Store, "--urls", $"http://127.0.0.1:{port}"]);

        AssertOneLine(result, $"cannot listen on http://127.0.0.1:{port}: the address is already in use", "--urls");
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Fact(Timeout = 60000)]
    public async Task Serve_BlobCacheDirectoryUnusable_ExitsWithOneLineNamingTheSetting()
    {
        var before = await DeployedStoreAsync();
        var notAFolder = _workspace.Write("a-file", "x");

        var result = await InProcessCli.RunAsync(["serve", "--store", Store, "--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string?> { ["JAMDEPLOY__SERVE__BLOBCACHE__DIRECTORY"] = notAFolder }, _workspace.Path);

        AssertOneLine(result, "Serve:BlobCache:Directory");
        StoreSnapshot.AssertUnchanged(before, Store);
    }
}
