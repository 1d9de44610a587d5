using Jamdeploy.Cli.Ci;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Adoption;

public sealed class GitHubActionsOutputsTests
{
    [Fact(Timeout = 30000)]
    public async Task WriteAsync_BothVariablesSet_AppendsOutputsAndMarkdownSummary()
    {
        using var temp = new TempDirectory("gha");
        var outputFile = temp.Write("output", "earlier_step=kept\n");
        var summaryFile = temp.Write("summary", "# Build\n\n");

        var written = await GitHubActionsOutputs.WriteAsync(Some.LiveReport, Env(outputFile, summaryFile), CancellationToken.None);

        Assert.Equal(new GitHubActionsWritten(outputFile, summaryFile), written);
        var outputs = ParseGitHubOutputFile(await File.ReadAllTextAsync(outputFile));
        Assert.Equal("kept", outputs["earlier_step"]);
        Assert.Equal("20261124T060000Z-abc1234", outputs["release_id"]);
        Assert.Equal("https://www.example.com/", outputs["url"]);
        Assert.Equal("true", outputs["live"]);
        Assert.Equal("0", outputs["exit_code"]);
        Assert.Equal("120", outputs["files"]);
        Assert.Equal("5", outputs["uploaded_blobs"]);
        Assert.Equal("1258291", outputs["uploaded_bytes"]);
        Assert.Equal(
            "120 files (3 added, 2 changed, 1 removed); uploaded 5 blobs (1.2 MiB), reused 115; invalidated 8 paths",
            outputs["summary"]);

        var summary = await File.ReadAllTextAsync(summaryFile);
        Assert.StartsWith("# Build\n\n### `20261124T060000Z-abc1234` is live on `www`\n", summary, StringComparison.Ordinal);
        Assert.Contains("| URL | <https://www.example.com/> |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| Message | Fix the footer \\| header |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| Files | 120 (3 added, 2 changed, 1 removed) |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| Uploaded | 5 blobs, 1.2 MiB |\n", summary, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task WriteAsync_NoVariables_WritesNothing()
    {
        var written = await GitHubActionsOutputs.WriteAsync(Some.LiveReport, new Dictionary<string, string?>(), CancellationToken.None);

        Assert.Equal(new GitHubActionsWritten(null, null), written);
    }

    [Fact(Timeout = 30000)]
    public async Task WriteAsync_MultiLineValue_UsesHeredocThatGitHubReadsBack()
    {
        using var temp = new TempDirectory("gha");
        var outputFile = temp.Combine("output");
        var report = Some.LiveReport with { ExitCode = ExitCodes.InvalidationFailed, Problem = "CloudFront said:\nThrottling\r\nretry later" };

        await GitHubActionsOutputs.WriteAsync(report, Env(outputFile, null), CancellationToken.None);

        var text = await File.ReadAllTextAsync(outputFile);
        Assert.Matches("(?m)^problem<<ghadelimiter_[0-9a-f]{32}$", text);
        Assert.Equal("CloudFront said:\nThrottling\nretry later", ParseGitHubOutputFile(text)["problem"]);
    }

    [Theory]
    [InlineData(ExitCodes.Done, true, false, "### `20261124T060000Z-abc1234` is live on `www`")]
    [InlineData(ExitCodes.Done, false, true, "### Dry run for `www`: nothing was changed")]
    [InlineData(ExitCodes.InvalidationFailed, true, false, "### `20261124T060000Z-abc1234` is live on `www`, but the CDN invalidation failed")]
    [InlineData(ExitCodes.Conflict, false, false, "### Refused: the live release of `www` changed while this deploy ran")]
    [InlineData(ExitCodes.Failed, false, false, "### Deploy to `www` failed (exit 1); the live release is unchanged")]
    public void FormatStepSummary_EachOutcome_HeadlineSaysWhatIsLive(int exitCode, bool live, bool dryRun, string headline)
    {
        var summary = GitHubActionsOutputs.FormatStepSummary(Some.LiveReport with { ExitCode = exitCode, Live = live, DryRun = dryRun });

        Assert.StartsWith(headline + "\n", summary, StringComparison.Ordinal);
    }

    /// <summary>
    /// GitHub's reading of the file (runner's file-command handling): <c>name=value</c> lines, and
    /// <c>name&lt;&lt;DELIMITER</c> blocks ending at a line equal to the delimiter.
    /// </summary>
    private static Dictionary<string, string> ParseGitHubOutputFile(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var heredoc = line.IndexOf("<<", StringComparison.Ordinal);
            if (equals >= 0 && (heredoc < 0 || equals < heredoc))
            {
                result[line[..equals]] = line[(equals + 1)..];
                continue;
            }
            Assert.True(heredoc > 0, $"line {i + 1} is neither name=value nor name<<delimiter: {line}");
            var delimiter = line[(heredoc + 2)..];
            var value = new List<string>();
            for (i++; lines[i] != delimiter; i++)
            {
                value.Add(lines[i]);
                Assert.True(i + 1 < lines.Length, $"heredoc {delimiter} is not closed");
            }
            result[line[..heredoc]] = string.Join('\n', value);
        }
        return result;
    }

    private static Dictionary<string, string?> Env(string? outputFile, string? summaryFile) => new(StringComparer.Ordinal)
    {
        [GitHubActionsOutputs.OutputFileVariable] = outputFile,
        [GitHubActionsOutputs.StepSummaryFileVariable] = summaryFile,
    };

    private static class Some
    {
        public static CiDeployReport LiveReport { get; } = new(
            Site: "www",
            ReleaseId: "20261124T060000Z-abc1234",
            ExitCode: ExitCodes.Done,
            Live: true,
            DryRun: false,
            Url: "https://www.example.com/",
            Commit: "abc1234",
            Message: "Fix the footer | header",
            Plan: new CiPlanCounts(Files: 120, Added: 3, Changed: 2, Removed: 1, UploadedBlobs: 5, UploadedBytes: 1_258_291, ReusedBlobs: 115),
            InvalidatedPaths: 8);
    }
}
