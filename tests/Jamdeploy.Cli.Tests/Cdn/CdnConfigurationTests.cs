using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cdn;

/// <summary>Invariant 6 for the <c>Cdn</c> section: a bad setting is one line naming the key, exit 2, and the store unchanged.</summary>
public sealed class CdnConfigurationTests : IDisposable
{
    private readonly TempDirectory _workspace = new("cdn-config");

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<string, string, string, string> BadSettings => new()
    {
        // key, value, second key, value (or empty), expected mention
        { "JAMDEPLOY__Cdn__Provider", "akamai", "", "Cdn:Provider 'akamai' is not known" },
        { "JAMDEPLOY__Cdn__Provider", "cloudfront", "", "Cdn:DistributionId is required" },
        { "JAMDEPLOY__Cdn__Provider", "cloudfront", "JAMDEPLOY__Cdn__DistributionId=e-lower", "Cdn:DistributionId 'e-lower' is not a CloudFront distribution id" },
        { "JAMDEPLOY__Cdn__Provider", "cloudfront", "JAMDEPLOY__Cdn__DistributionId=E1;JAMDEPLOY__Cdn__Endpoint=ftp://x", "Cdn:Endpoint 'ftp://x' is not an http(s) URL" },
        { "JAMDEPLOY__Cdn__MaxPaths", "0", "", "Cdn:MaxPaths must be at least 1" },
        { "JAMDEPLOY__Cdn__MaxRetries", "many", "", "Cdn:MaxRetries" },
    };

    [Theory(Timeout = 120000)]
    [MemberData(nameof(BadSettings))]
    public async Task Deploy_BadCdnSetting_Exit2NamingTheKeyAndStoreUnchanged(string key, string value, string more, string mentions)
    {
        var store = _workspace.Combine("store");
        var site = Some.Site(_workspace, "v1", "v1");
        Assert.Equal(0, (await InProcessCli.RunAsync(["deploy", site, "--store", store], workingDirectory: _workspace.Path)).ExitCode);
        var before = StoreSnapshot.Of(store);
        var environment = new Dictionary<string, string?> { [key] = value };
        foreach (var pair in more.Split(';', StringSplitOptions.RemoveEmptyEntries))
            environment[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];

        var result = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, "v2", "v2"), "--store", store], environment, _workspace.Path);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(mentions, line);
        StoreSnapshot.AssertUnchanged(before, store);
    }
}
