using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>Every command on an S3 store, and its failures, as a user runs them.</summary>
[RunsLong(20)]
public sealed class S3CommandTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    private const string Secret = "jamdeploySECRETkey/DoNotPrint+0123456789abcd";
    private readonly TempDirectory _workspace = new("s3cli");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 180_000)]
    public async Task Lifecycle_DeployPromoteRollbackReleasesStatus_WorkOnS3()
    {
        using var site = await S3Site.CreateAsync(moto);
        var env = site.Environment();

        var v1 = S3Site.LiveIdFrom(await Run(env, "deploy", Some.Site(_workspace, "v1", "v1"), "--store", site.Url));
        var v2 = S3Site.LiveIdFrom(await Run(env, "deploy", Some.Site(_workspace, "v2", "v2"), "--store", site.Url));
        var unchanged = await Run(env, "deploy", _workspace.Combine("v2"), "--store", site.Url);
        Assert.Contains($"unchanged: {v2} is live", unchanged.Stdout);

        await Run(env, "rollback", "--store", site.Url);
        Assert.Equal(v1, await site.LiveAsync());
        await Run(env, "promote", v2, "--store", site.Url);
        Assert.Equal(v2, await site.LiveAsync());

        var releases = await Run(env, "releases", "--store", site.Url, "--json");
        var listed = JsonDocument.Parse(releases.Stdout).RootElement.ToString();
        Assert.Contains(v1, listed);
        Assert.Contains(v2, listed);
        var status = await Run(env, "status", "--store", site.Url);
        Assert.Contains($"live: {v2}", status.Stdout);
        Assert.Contains($"store: {site.Url}", status.Stdout);
        Assert.Equal([v1, v2, v1, v2], await site.HistoryAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_WithASecretKey_NeverShowsItInOutputOrLogs()
    {
        using var site = await S3Site.CreateAsync(moto);
        var logFile = _workspace.Combine("jamdeploy.log");
        var env = site.Environment(extra: new Dictionary<string, string>
        {
            ["AWS_SECRET_ACCESS_KEY"] = Secret,
            ["JAMDEPLOY__LOGGING__FILE"] = logFile,
        });
        var folder = Some.Site(_workspace);

        var results = new List<ProcessResult>
        {
            await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", folder, "--store", site.Url, "--verbose"], env),
            await JamdeployProcess.RunAsync(_workspace.Path, ["status", "--store", site.Url, "--verbose", "--json"], env),
            await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", folder, "--store", "s3://jd-missing-bucket/site", "--verbose"], env),
        };

        Assert.Equal([0, 0, ExitCodes.Usage], results.Select(r => r.ExitCode));
        Assert.True(File.Exists(logFile));
        Assert.All(results, r => Assert.DoesNotContain(Secret, r.Stdout + r.Stderr));
        Assert.DoesNotContain(Secret, await File.ReadAllTextAsync(logFile));
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_NoCredentialsAnywhere_IsOneLineExit2()
    {
        using var site = await S3Site.CreateAsync(moto);
        var home = _workspace.Combine("home");
        Directory.CreateDirectory(home);
        var env = site.Environment(extra: new Dictionary<string, string> { ["HOME"] = home, ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "" });

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", Some.Site(_workspace), "--store", site.Url], env);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"no AWS credentials found for bucket '{site.Bucket}'", line);
        Assert.Null(await site.PointerAsync());
    }

    [Theory(Timeout = 120_000)]
    [InlineData("s3://Bad_Bucket/site", "not a valid S3 bucket name")]
    [InlineData("s3://jd-missing-bucket/site", "'jd-missing-bucket' does not exist")]
    public async Task Status_BadStore_IsOneLineExit2(string store, string expected)
    {
        using var site = await S3Site.CreateAsync(moto);

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["status", "--store", store], site.Environment());

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact(Timeout = 120_000)]
    public async Task Status_EndpointUnreachable_IsOneLineExit1()
    {
        using var site = await S3Site.CreateAsync(moto);
        var env = site.Environment("http://127.0.0.1:9", new Dictionary<string, string> { ["JAMDEPLOY__S3__MAXRETRYATTEMPTS"] = "1" });

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["status", "--store", site.Url], env);

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("jamdeploy: cannot reach the store at http://127.0.0.1:9", result.Stderr);
    }

    private async Task<ProcessResult> Run(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var result = await JamdeployProcess.RunAsync(_workspace.Path, args, env);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
