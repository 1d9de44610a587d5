using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cdn;

/// <summary>
/// The real <c>jamdeploy</c> process with a local store and moto's CloudFront in front: what each flip
/// invalidates, exit 3 when the CDN fails after the flip, and <c>jamdeploy invalidate</c> finishing the job.
/// </summary>
[RunsLong(30)]
public sealed class InvalidateCommandTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private const string AccessKey = "AKIAJAMDEPLOYCLITEST";
    private const string SecretKey = "jamdeployCliSecretThatMustNotBeShown000";
    private const string SessionToken = "jamdeployCliSessionTokenThatMustNotBeShown";

    private static readonly string[] ThreeChangedFiles = ["/about", "/about/", "/about/index.html", "/css/site.css", "/js/app.js"];

    private readonly TempDirectory _workspace = new("invalidate");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 120000)]
    public async Task DeployThenChangeThreeFiles_SecondInvalidationHasExactlyTheirPaths_AndRollbackTheSame()
    {
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var v1 = Some.Site(_workspace, "v1", "v1");
        var v2 = ChangeThreeFiles(v1, "v2");

        var first = await Jamdeploy(distribution, "deploy", v1);
        var second = await Jamdeploy(distribution, "deploy", v2, "--wait");
        var rollback = await Jamdeploy(distribution, "rollback");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Contains("invalidated 5 paths", second.Stdout);
        var invalidations = await Boto3CloudFront.InvalidationPathsAsync(moto, distribution);
        Assert.Equal(3, invalidations.Count);
        Assert.Equal(["/*"], invalidations[0]);
        Assert.Equal(ThreeChangedFiles, invalidations[1]);
        Assert.Equal(ThreeChangedFiles, invalidations[2]);
    }

    [Fact(Timeout = 120000)]
    public async Task CdnFailsAfterFlip_Exit3WithReleaseLive_ThenInvalidateSendsTheSamePaths()
    {
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var v1 = Some.Site(_workspace, "v1", "v1");
        Assert.Equal(0, (await Jamdeploy(distribution, "deploy", v1)).ExitCode);

        var failed = await Jamdeploy("ENOSUCHDISTRIBUTION", "deploy", ChangeThreeFiles(v1, "v2"), "--json");
        var live = await LiveReleaseAsync(distribution);
        var retried = await Jamdeploy(distribution, "invalidate");

        Assert.True(failed.ExitCode == 3, failed.ToString());
        var line = Assert.Single(failed.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{live} is live, but the CDN invalidation failed", line);
        Assert.Contains("ENOSUCHDISTRIBUTION", line);
        Assert.Contains($"jamdeploy invalidate --release {live}", line);
        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Contains($"invalidated 5 paths on CloudFront {distribution} for {live}", retried.Stdout);
        var invalidations = await Boto3CloudFront.InvalidationPathsAsync(moto, distribution);
        Assert.Equal(ThreeChangedFiles, invalidations[^1]);
        Assert.Equal(2, invalidations.Count);
    }

    [Fact(Timeout = 120000)]
    public async Task CdnUnreachable_RetriesThenExit3WithTheReleaseLive()
    {
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var v1 = Some.Site(_workspace, "v1", "v1");
        Assert.Equal(0, (await Jamdeploy(distribution, "deploy", v1)).ExitCode);
        var closedPort = new Dictionary<string, string> { ["JAMDEPLOY__Cdn__Endpoint"] = "http://127.0.0.1:9", ["JAMDEPLOY__Cdn__MaxRetries"] = "2" };

        var failed = await Jamdeploy(distribution, closedPort, "deploy", ChangeThreeFiles(v1, "v2"));

        Assert.True(failed.ExitCode == 3, failed.ToString());
        Assert.Contains("unreachable after 2 retries", failed.Stderr);
        Assert.Contains(await LiveReleaseAsync(distribution), failed.Stderr);
    }

    [Fact(Timeout = 120000)]
    public async Task NoAwsCredentials_DeployRefusedBeforeTheFlip_Exit2AndStoreUnchanged()
    {
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var v1 = Some.Site(_workspace, "v1", "v1");
        Assert.Equal(0, (await Jamdeploy(distribution, "deploy", v1)).ExitCode);
        var before = StoreSnapshot.Of(_workspace.Combine("store"));
        var home = _workspace.Combine("empty-home");
        Directory.CreateDirectory(home);
        var noCredentials = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_SESSION_TOKEN"] = "",
            ["AWS_EC2_METADATA_DISABLED"] = "true", ["HOME"] = home,
        };

        var refused = await Jamdeploy(distribution, noCredentials, "deploy", ChangeThreeFiles(v1, "v2"));

        Assert.True(refused.ExitCode == 2, refused.ToString());
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no AWS credentials found for CloudFront", line);
        StoreSnapshot.AssertUnchanged(before, _workspace.Combine("store"));
    }

    [Fact(Timeout = 120000)]
    public async Task InvalidateDryRun_PrintsPathsAndCost_SendsNothing()
    {
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var v1 = Some.Site(_workspace, "v1", "v1");
        Assert.Equal(0, (await Jamdeploy(distribution, "deploy", v1)).ExitCode);
        var v2 = ChangeThreeFiles(v1, "v2");

        var deployDryRun = await Jamdeploy(distribution, "deploy", v2, "--dry-run");
        Assert.Equal(0, (await Jamdeploy(distribution, "deploy", v2)).ExitCode);
        var before = (await Boto3CloudFront.InvalidationPathsAsync(moto, distribution)).Count;
        var dryRun = await Jamdeploy(distribution, "invalidate", "--dry-run");

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        foreach (var path in ThreeChangedFiles)
        {
            Assert.Contains($"  invalidate {path}\n", dryRun.Stdout);
            Assert.Contains($"  invalidate {path}\n", deployDryRun.Stdout);
        }
        Assert.Contains("5 paths (0 wildcards) in 1 batch for 3 changed files", dryRun.Stdout);
        Assert.Contains("at most USD 0.025", dryRun.Stdout);
        Assert.Equal(before, (await Boto3CloudFront.InvalidationPathsAsync(moto, distribution)).Count);
    }

    [Fact(Timeout = 120000)]
    public async Task VerboseRunWithRetriesAndFailure_ShowsNoCredentialOrSignature()
    {
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var v1 = Some.Site(_workspace, "v1", "v1");
        var ok = await Jamdeploy(distribution, "deploy", v1, "--verbose");
        var failed = await Jamdeploy("ENOSUCHDISTRIBUTION", "deploy", ChangeThreeFiles(v1, "v2"), "--verbose");

        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(3, failed.ExitCode);
        foreach (var text in new[] { ok.Stdout, ok.Stderr, failed.Stdout, failed.Stderr })
        {
            Assert.DoesNotContain(AccessKey, text);
            Assert.DoesNotContain(SecretKey, text);
            Assert.DoesNotContain(SessionToken, text);
            Assert.DoesNotContain("Signature=", text);
        }
    }

    private string ChangeThreeFiles(string site, string stamp)
    {
        var copy = _workspace.Combine(stamp);
        foreach (var file in Directory.EnumerateFiles(site, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(site, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        _workspace.Write($"{stamp}/about/index.html", $"<h1>about {stamp}</h1>");
        _workspace.Write($"{stamp}/css/site.css", $"body{{--stamp:'{stamp}'}}");
        _workspace.Write($"{stamp}/js/app.js", $"window.stamp='{stamp}';");
        return copy;
    }

    private async Task<string> LiveReleaseAsync(string distribution)
    {
        var status = await Jamdeploy(distribution, "status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using var document = JsonDocument.Parse(status.Stdout);
        return document.RootElement.GetProperty("live").GetProperty("id").GetString()!;
    }

    private Task<ProcessResult> Jamdeploy(string distribution, params string[] args) => Jamdeploy(distribution, new Dictionary<string, string>(), args);

    private Task<ProcessResult> Jamdeploy(string distribution, Dictionary<string, string> overrides, params string[] args)
    {
        var environment = new Dictionary<string, string>(moto.ClientEnvironment)
        {
            ["AWS_ACCESS_KEY_ID"] = AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
            ["AWS_SESSION_TOKEN"] = SessionToken,
            ["JAMDEPLOY__Cdn__Provider"] = "cloudfront",
            ["JAMDEPLOY__Cdn__DistributionId"] = distribution,
            ["JAMDEPLOY__Cdn__RetryBaseDelay"] = "00:00:00.010",
            ["JAMDEPLOY__Cdn__PollInterval"] = "00:00:00.050",
            ["JAMDEPLOY__Cdn__MaxRetries"] = "3",
        };
        foreach (var (key, value) in overrides) environment[key] = value;
        return JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", _workspace.Combine("store")], environment);
    }
}
