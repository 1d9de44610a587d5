using System.Collections.Concurrent;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>
/// #16: a no-op redeploy to S3 starts as fast as one to the local store. With static credentials in the environment
/// its one request, the read of the live pointer, goes out as jamdeploy's own signed GET and the AWS SDK's client is
/// never used; a proxy in front of moto counts the requests and tells the SDK's by their User-Agent.
/// </summary>
[RunsLong(20)]
public sealed class S3NoOpDeployTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    private readonly TempDirectory _workspace = new("s3noop");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 180_000)]
    public async Task Deploy_NoOpWithStaticCredentials_OneRequestNotFromTheSdk()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var environment = site.Environment(proxy.Endpoint);
        var folder = Some.Site(_workspace);
        var live = S3Site.LiveIdFrom(await RunAsync(environment, "deploy", folder, "--store", site.Url));
        proxy.Clear();

        var noOp = await RunAsync(environment, "deploy", folder, "--store", site.Url);

        Assert.Contains($"unchanged: {live} is live", noOp.Stdout);
        var read = Assert.Single(proxy.Requests);
        Assert.Equal(("GET", $"site/{StoreLayout.LiveKey}"), (read.Method, read.Key));
        Assert.False(read.FromSdk, read.UserAgent);
    }

    /// <summary>Every direct read cut off (the proxy drops its connection): the SDK reads the pointer, and the deploy is the same no-op.</summary>
    [Fact(Timeout = 180_000)]
    public async Task Deploy_NoOpWhoseDirectReadIsCut_TheSdkReadsThePointer()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var environment = site.Environment(proxy.Endpoint);
        var folder = Some.Site(_workspace);
        var live = S3Site.LiveIdFrom(await RunAsync(environment, "deploy", folder, "--store", site.Url));
        proxy.Clear();
        var cut = 0;
        proxy.Gate = (request, _) =>
        {
            if (!request.FromSdk) Interlocked.Increment(ref cut);
            return Task.FromResult(request.FromSdk);
        };

        var noOp = await RunAsync(environment, "deploy", folder, "--store", site.Url);

        Assert.True(cut > 0, "no direct read was made");
        Assert.Contains($"unchanged: {live} is live", noOp.Stdout);
        var read = Assert.Single(proxy.Requests);
        Assert.Equal(("GET", $"site/{StoreLayout.LiveKey}", true), (read.Method, read.Key, read.FromSdk));
    }

    /// <summary>Credentials from a profile (none in the environment): the SDK's client reads the pointer, and the no-op works.</summary>
    [Fact(Timeout = 180_000)]
    public async Task Deploy_NoOpWithAProfile_GoesThroughTheSdk()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var credentials = _workspace.Combine("aws-credentials");
        await File.WriteAllTextAsync(credentials, $"[jamdeploy-test]\naws_access_key_id = {MotoServer.AccessKey}\naws_secret_access_key = {MotoServer.SecretKey}\n");
        var environment = site.Environment(proxy.Endpoint, new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "",
            ["AWS_SECRET_ACCESS_KEY"] = "",
            ["AWS_PROFILE"] = "jamdeploy-test",
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_CONFIG_FILE"] = _workspace.Combine("no-aws-config"),
        });
        var folder = Some.Site(_workspace);
        var live = S3Site.LiveIdFrom(await RunAsync(environment, "deploy", folder, "--store", site.Url));
        proxy.Clear();

        var noOp = await RunAsync(environment, "deploy", folder, "--store", site.Url);

        Assert.Contains($"unchanged: {live} is live", noOp.Stdout);
        var read = Assert.Single(proxy.Requests);
        Assert.Equal(("GET", $"site/{StoreLayout.LiveKey}", true), (read.Method, read.Key, read.FromSdk));
    }

    /// <summary>
    /// The live pointer is read while the site is scanned, yet a bad rule is still the answer: exit 2 naming the line, though
    /// the store never answers the read (the read is stopped, not waited for), and nothing is written.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task Deploy_BadRuleWhileTheStoreNeverAnswers_IsExit2NamingTheLine_NothingWritten()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var held = new ConcurrentQueue<string>();
        proxy.Gate = async (request, ct) =>
        {
            held.Enqueue(request.Method);
            await Task.Delay(Timeout.Infinite, ct);
            return false;
        };
        var folder = Some.Site(_workspace);
        _workspace.Write("public/_redirects", "/old /new 999\n");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", folder, "--store", site.Url], site.Environment(proxy.Endpoint));

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("public/_redirects:1: status 999 is not supported", result.Stderr);
        Assert.All(held, method => Assert.Equal("GET", method));
        Assert.Empty(proxy.Requests);
    }

    private async Task<ProcessResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var result = await JamdeployProcess.RunAsync(_workspace.Path, args, environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
