using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cdn;

/// <summary>
/// A name that does not resolve cannot heal in the seconds a retry waits: every AWS endpoint jamdeploy talks to
/// (CloudFront, the KeyValueStore, S3) fails on the first attempt with one line that says so, instead of minutes
/// of backoff. <c>.invalid</c> never resolves (RFC 2606), so no network is needed. A real process: the AWS
/// credential chain reads the process's environment. Asserted on attempts (no retry warning), never on time.
/// </summary>
public sealed class UnresolvableEndpointTests : IDisposable
{
    private const string Unresolvable = "http://nonexistent.invalid";

    private static readonly Dictionary<string, string> Credentials = new()
    {
        ["AWS_ACCESS_KEY_ID"] = "AKIAJAMDEPLOYDNSTEST0",
        ["AWS_SECRET_ACCESS_KEY"] = "jamdeployDnsTestSecretThatMustNotBeShown",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    private readonly TempDirectory _workspace = new("unresolvable");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task Deploy_CloudFrontEndpointDoesNotResolve_Exit3OnFirstAttemptWithOneLine()
    {
        var result = await DeployAsync(new()
        {
            ["JAMDEPLOY__Cdn__Provider"] = "cloudfront",
            ["JAMDEPLOY__Cdn__DistributionId"] = "E2QWRUHAPOMQZL",
            ["JAMDEPLOY__Cdn__Endpoint"] = Unresolvable,
            ["JAMDEPLOY__Cdn__MaxRetries"] = "3",
            ["JAMDEPLOY__Cdn__RetryBaseDelay"] = "00:00:00.010",
        });

        Assert.True(result.ExitCode == 3, result.ToString());
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Contains("is live, but the CDN invalidation failed", line);
        Assert.Contains("'nonexistent.invalid' does not resolve", line);
        Assert.Contains("Cdn:Endpoint", line);
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_KeyValueStoreEndpointDoesNotResolve_Exit3OnFirstAttemptWithOneLine()
    {
        var result = await DeployAsync(new()
        {
            ["JAMDEPLOY__Cdn__KeyValueStore__Arn"] = "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-jamdeploy-dns-test",
            ["JAMDEPLOY__Cdn__KeyValueStore__Endpoint"] = Unresolvable,
            ["JAMDEPLOY__Cdn__KeyValueStore__MaxRetries"] = "3",
            ["JAMDEPLOY__Cdn__KeyValueStore__RetryBaseDelay"] = "00:00:00.010",
        });

        Assert.True(result.ExitCode == 3, result.ToString());
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Contains("'nonexistent.invalid' does not resolve", line);
        Assert.Contains("Cdn:KeyValueStore:Endpoint", line);
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_S3EndpointDoesNotResolve_Exit1OnFirstAttemptWithOneLine()
    {
        var result = await DeployAsync(new()
        {
            ["AWS_ENDPOINT_URL"] = Unresolvable,
            ["JAMDEPLOY__S3__MaxRetryAttempts"] = "3",
        }, store: "s3://jamdeploy-dns-test/site");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Contains("cannot reach the store at http://nonexistent.invalid", line);
        Assert.Contains("does not resolve", line);
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_CloudFrontRefusesConnections_RetriesAndSaysTheDelayInWords()
    {
        var result = await DeployAsync(new()
        {
            ["JAMDEPLOY__Cdn__Provider"] = "cloudfront",
            ["JAMDEPLOY__Cdn__DistributionId"] = "E2QWRUHAPOMQZL",
            ["JAMDEPLOY__Cdn__Endpoint"] = "http://127.0.0.1:9", // discard port: nothing listens, a fault that can heal
            ["JAMDEPLOY__Cdn__MaxRetries"] = "1",
            ["JAMDEPLOY__Cdn__RetryBaseDelay"] = "00:00:00.010",
        });

        Assert.True(result.ExitCode == 3, result.ToString());
        var warning = Assert.Single(Lines(result.Stderr), l => l.StartsWith("[WRN]", StringComparison.Ordinal));
        Assert.Matches(@"retry 1 of 1 in \d+ ms$", warning);
    }

    private async Task<ProcessResult> DeployAsync(Dictionary<string, string> settings, string? store = null)
    {
        var site = Some.Site(_workspace, "site", "v1");
        var environment = new Dictionary<string, string>(Credentials);
        foreach (var (key, value) in settings) environment[key] = value;
        return await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", site, "--store", store ?? _workspace.Combine("store")], environment);
    }

    // A retry would show as a warning line before the error: one line is one attempt.
    private static string[] Lines(string stderr) => stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
