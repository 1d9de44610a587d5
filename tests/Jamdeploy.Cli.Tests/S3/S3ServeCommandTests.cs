using System.Diagnostics;
using System.Text.RegularExpressions;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary><c>jamdeploy serve</c> as the origin of an S3 site: a real process against moto.</summary>
public sealed partial class S3ServeCommandTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    private readonly TempDirectory _workspace = new("s3serve");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 180_000)]
    public async Task Serve_S3Site_ServesLargeBlobsThroughATempDiskCacheThatStopRemoves()
    {
        using var site = await S3Site.CreateAsync(moto);
        var folder = Some.Site(_workspace, "public", "from-s3");
        var large = new byte[3 << 20];
        Random.Shared.NextBytes(large);
        await File.WriteAllBytesAsync(Path.Combine(folder, "video.bin"), large);
        var temp = Directory.CreateDirectory(_workspace.Combine("tmp")).FullName;
        var env = site.Environment(extra: new Dictionary<string, string> { ["TMPDIR"] = temp });
        var deploy = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", folder, "--store", site.Url], env);
        Assert.True(deploy.ExitCode == 0, deploy.ToString());

        using var serve = JamdeployProcess.Start(_workspace.Path, ["serve", "--store", site.Url, "--urls", "http://127.0.0.1:0"], env);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(ListeningOn().Match(serve.Stdout).Groups[1].Value) };
        var home = await http.GetStringAsync("/");
        var first = await http.GetByteArrayAsync("/video.bin");
        var second = await http.GetByteArrayAsync("/video.bin");
        var cacheFolders = Directory.GetDirectories(temp, "jamdeploy-serve-*");
        using (Process.Start("kill", ["-TERM", serve.Id.ToString()])) { }
        var result = await serve.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("from-s3", home);
        Assert.Equal(large, first);
        Assert.Equal(large, second);
        Assert.Single(cacheFolders);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(Directory.GetDirectories(temp, "jamdeploy-serve-*"));
    }

    /// <summary>A bucket that does not exist is found at start (one read), not as a 503 on every request.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Serve_BucketThatDoesNotExist_IsExit2NamingTheBucket()
    {
        using var site = await S3Site.CreateAsync(moto);
        var missing = "jd-missing-" + Guid.NewGuid().ToString("N")[..16];

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["serve", "--store", $"s3://{missing}/site", "--urls", "http://127.0.0.1:0"], site.Environment());

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("jamdeploy: ", StringComparison.Ordinal));
        Assert.Contains($"the bucket '{missing}' does not exist", line);
        Assert.Equal("", result.Stdout);
    }

    [GeneratedRegex(@" on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
