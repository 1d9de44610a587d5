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
        Assert.Equal("live", outputs["outcome"]);
        Assert.Equal("20261124T060000Z-abc1234", outputs["release_id"]);
        Assert.Equal("20261123T180000Z-0ff1ce0", outputs["previous_release_id"]);
        Assert.Equal("https://www.example.com/", outputs["url"]);
        Assert.Equal("true", outputs["live"]);
        Assert.Equal("0", outputs["exit_code"]);
        Assert.Equal("120", outputs["files"]);
        Assert.Equal("5", outputs["new_blobs"]);
        Assert.Equal("1258291", outputs["new_bytes"]);
        Assert.Equal("115", outputs["reused_files"]);
        Assert.Equal(
            "live: 20261124T060000Z-abc1234; 120 files (4.0 MiB), uploaded 5 new blobs (1.2 MiB), 115 files reused; invalidated 8 paths",
            outputs["summary"]);
        Assert.False(outputs.ContainsKey("problem"));

        var summary = await File.ReadAllTextAsync(summaryFile);
        Assert.StartsWith("# Build\n\n### `20261124T060000Z-abc1234` is live\n", summary, StringComparison.Ordinal);
        Assert.Contains("| URL | <https://www.example.com/> |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| Previous release | `20261123T180000Z-0ff1ce0` |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| Message | Fix the footer \\| header |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| Uploaded | 5 new blobs (1.2 MiB) |\n", summary, StringComparison.Ordinal);
        Assert.Contains("| CDN | 8 paths invalidated |\n", summary, StringComparison.Ordinal);
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
        var report = Some.LiveReport with
        {
            Outcome = CiDeployOutcomes.InvalidationFailed, ExitCode = ExitCodes.InvalidationFailed, Problem = "CloudFront said:\nThrottling\r\nretry later",
        };

        await GitHubActionsOutputs.WriteAsync(report, Env(outputFile, null), CancellationToken.None);

        var text = await File.ReadAllTextAsync(outputFile);
        Assert.Matches("(?m)^problem<<ghadelimiter_[0-9a-f]{32}$", text);
        var outputs = ParseGitHubOutputFile(text);
        Assert.Equal("CloudFront said:\nThrottling\nretry later", outputs["problem"]);
        Assert.Equal("3", outputs["exit_code"]);
    }

    [Fact(Timeout = 30000)]
    public async Task WriteAsync_FailedBeforePlanning_WritesOutcomeWithoutReleaseOrCounts()
    {
        using var temp = new TempDirectory("gha");
        var outputFile = temp.Combine("output");
        var report = new CiDeployReport("s3://bucket/www/", CiDeployOutcomes.Failed, ExitCodes.Usage, false, null, null, null, null, null, null, 0,
            "folder './public' does not exist");

        await GitHubActionsOutputs.WriteAsync(report, Env(outputFile, null), CancellationToken.None);

        var outputs = ParseGitHubOutputFile(await File.ReadAllTextAsync(outputFile));
        Assert.Equal("failed", outputs["outcome"]);
        Assert.Equal("2", outputs["exit_code"]);
        Assert.Equal("false", outputs["live"]);
        Assert.False(outputs.ContainsKey("release_id"));
        Assert.False(outputs.ContainsKey("files"));
        Assert.Equal("failed: no release", outputs["summary"]);
    }

    [Theory]
    [InlineData(CiDeployOutcomes.Live, true, "### `20261124T060000Z-abc1234` is live")]
    [InlineData(CiDeployOutcomes.Unchanged, true, "### Unchanged: `20261124T060000Z-abc1234` is already live")]
    [InlineData(CiDeployOutcomes.Staged, false, "### `20261124T060000Z-abc1234` is stored, not live (promote it to make it live)")]
    [InlineData(CiDeployOutcomes.DryRun, false, "### Dry run: nothing was written")]
    [InlineData(CiDeployOutcomes.InvalidationFailed, true, "### `20261124T060000Z-abc1234` is live, but the CDN invalidation failed")]
    [InlineData(CiDeployOutcomes.EdgePointerFailed, true, "### `20261124T060000Z-abc1234` is live, but the CDN edge pointer was not updated (run `jamdeploy sync-edge`)")]
    [InlineData(CiDeployOutcomes.Refused, false, "### Refused: the live release changed while this deploy ran")]
    [InlineData(CiDeployOutcomes.Cancelled, true, "### Cancelled after `20261124T060000Z-abc1234` went live")]
    [InlineData(CiDeployOutcomes.Cancelled, false, "### Cancelled; the live release is unchanged")]
    [InlineData(CiDeployOutcomes.Failed, false, "### Deploy failed (exit 0); the live release is unchanged")]
    public void FormatStepSummary_EachOutcome_HeadlineSaysWhatIsLive(string outcome, bool live, string headline)
    {
        var summary = GitHubActionsOutputs.FormatStepSummary(Some.LiveReport with { Outcome = outcome, Live = live });

        Assert.StartsWith(headline + "\n", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatStepSummary_DryRun_SaysWouldUpload()
    {
        var summary = GitHubActionsOutputs.FormatStepSummary(Some.LiveReport with { Outcome = CiDeployOutcomes.DryRun, Live = false });

        Assert.Contains("| Would upload | 5 new blobs (1.2 MiB) |\n", summary, StringComparison.Ordinal);
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
            Store: "s3://bucket/www/",
            Outcome: CiDeployOutcomes.Live,
            ExitCode: ExitCodes.Done,
            Live: true,
            ReleaseId: "20261124T060000Z-abc1234",
            PreviousReleaseId: "20261123T180000Z-0ff1ce0",
            Url: "https://www.example.com/",
            Commit: "abc1234",
            Message: "Fix the footer | header",
            Plan: new CiPlanCounts(Files: 120, TotalBytes: 4_194_304, NewBlobs: 5, NewBytes: 1_258_291, ReusedFiles: 115),
            InvalidatedPaths: 8);
    }
}
