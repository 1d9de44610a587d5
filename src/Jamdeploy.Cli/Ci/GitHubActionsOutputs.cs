using System.Text;
using Jamdeploy.Cli.Output;

namespace Jamdeploy.Cli.Ci;

/// <summary>
/// Hands a deploy's result to GitHub Actions: step outputs (<c>GITHUB_OUTPUT</c>, for later steps and the
/// environment URL) and a markdown step summary (<c>GITHUB_STEP_SUMMARY</c>, for people). Both files are
/// appended to, as GitHub asks; nothing is written when the variables are unset.
/// </summary>
public static class GitHubActionsOutputs
{
    public const string OutputFileVariable = "GITHUB_OUTPUT";
    public const string StepSummaryFileVariable = "GITHUB_STEP_SUMMARY";

    /// <summary>Appends the outputs and the summary; returns which of the two files were written.</summary>
    public static async Task<GitHubActionsWritten> WriteAsync(
        CiDeployReport report, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(environment);
        var outputFile = PathFrom(environment, OutputFileVariable);
        var summaryFile = PathFrom(environment, StepSummaryFileVariable);
        if (outputFile is not null)
            await File.AppendAllTextAsync(outputFile, FormatOutputs(report), Utf8NoBom, cancellationToken).ConfigureAwait(false);
        if (summaryFile is not null)
            await File.AppendAllTextAsync(summaryFile, FormatStepSummary(report), Utf8NoBom, cancellationToken).ConfigureAwait(false);
        return new GitHubActionsWritten(outputFile, summaryFile);
    }

    /// <summary>The step outputs, one <c>name=value</c> line each (a heredoc block for a value with line breaks).</summary>
    public static string FormatOutputs(CiDeployReport report)
    {
        var plan = report.Plan;
        var outputs = new List<(string Name, string? Value)>
        {
            ("outcome", report.Outcome),
            ("exit_code", Format.Number(report.ExitCode)),
            ("live", report.Live ? "true" : "false"),
            ("release_id", report.ReleaseId),
            ("previous_release_id", report.PreviousReleaseId),
            ("url", report.Url),
            ("store", report.Store),
            ("commit", report.Commit),
            ("files", plan is null ? null : Format.Number(plan.Files)),
            ("total_bytes", plan is null ? null : Format.Number(plan.TotalBytes)),
            ("new_blobs", plan is null ? null : Format.Number(plan.NewBlobs)),
            ("new_bytes", plan is null ? null : Format.Number(plan.NewBytes)),
            ("reused_files", plan is null ? null : Format.Number(plan.ReusedFiles)),
            ("invalidated_paths", Format.Number(report.InvalidatedPaths)),
            ("summary", PlanLine(report)),
            ("problem", report.Problem),
        };
        var text = new StringBuilder();
        foreach (var (name, value) in outputs)
        {
            if (value is not null) text.Append(OutputEntry(name, value));
        }
        return text.ToString();
    }

    /// <summary>One output in GitHub's file format: <c>name=value</c>, or <c>name&lt;&lt;DELIMITER</c> … for multi-line values.</summary>
    public static string OutputEntry(string name, string value)
    {
        if (!value.Contains('\n') && !value.Contains('\r')) return $"{name}={value}\n";
        string delimiter;
        do delimiter = $"ghadelimiter_{Guid.NewGuid():N}";
        while (value.Contains(delimiter, StringComparison.Ordinal));
        return $"{name}<<{delimiter}\n{value.ReplaceLineEndings("\n")}\n{delimiter}\n";
    }

    /// <summary>The step summary: a headline that says what is live, then a table of the release and the plan.</summary>
    public static string FormatStepSummary(CiDeployReport report)
    {
        var text = new StringBuilder();
        text.Append("### ").Append(Headline(report)).Append("\n\n");
        if (report.Problem is not null) text.Append("> ").Append(Cell(report.Problem)).Append("\n\n");
        text.Append("| | |\n|---|---|\n");
        if (report.ReleaseId is not null) Row(text, "Release", Code(report.ReleaseId));
        if (report.PreviousReleaseId is not null && report.PreviousReleaseId != report.ReleaseId)
            Row(text, "Previous release", Code(report.PreviousReleaseId));
        if (report.Url is not null) Row(text, "URL", $"<{Cell(report.Url)}>");
        Row(text, "Store", Code(report.Store));
        if (report.Commit is not null) Row(text, "Commit", Code(report.Commit));
        if (report.Message is not null) Row(text, "Message", Cell(report.Message));
        if (report.Plan is { } plan)
        {
            Row(text, "Files", $"{Format.Number(plan.Files)} ({Format.Bytes(plan.TotalBytes)})");
            Row(text, report.Outcome == CiDeployOutcomes.DryRun ? "Would upload" : "Uploaded", $"{Format.Number(plan.NewBlobs)} new blobs ({Format.Bytes(plan.NewBytes)})");
            Row(text, "Reused", $"{Format.Number(plan.ReusedFiles)} files already in the store");
        }
        Row(text, "CDN", $"{Format.Number(report.InvalidatedPaths)} paths invalidated");
        Row(text, "Outcome", $"{report.Outcome} (exit {Format.Number(report.ExitCode)})");
        return text.Append('\n').ToString();
    }

    /// <summary>The result in one line, for the <c>summary</c> output.</summary>
    public static string PlanLine(CiDeployReport report)
    {
        var release = report.ReleaseId ?? "no release";
        if (report.Plan is not { } plan) return $"{report.Outcome}: {release}";
        var upload = report.Outcome == CiDeployOutcomes.DryRun ? "would upload" : "uploaded";
        return $"{report.Outcome}: {release}; {Format.Number(plan.Files)} files ({Format.Bytes(plan.TotalBytes)}), "
            + $"{upload} {Format.Number(plan.NewBlobs)} new blobs ({Format.Bytes(plan.NewBytes)}), {Format.Number(plan.ReusedFiles)} files reused; "
            + $"invalidated {Format.Number(report.InvalidatedPaths)} paths";
    }

    private static string Headline(CiDeployReport report)
    {
        var release = report.ReleaseId is null ? "" : Code(report.ReleaseId);
        return report.Outcome switch
        {
            CiDeployOutcomes.Live => $"{release} is live",
            CiDeployOutcomes.Unchanged => $"Unchanged: {release} is already live",
            CiDeployOutcomes.Staged => $"{release} is stored, not live (promote it to make it live)",
            CiDeployOutcomes.DryRun => "Dry run: nothing was written",
            CiDeployOutcomes.InvalidationFailed => $"{release} is live, but the CDN invalidation failed",
            CiDeployOutcomes.EdgePointerFailed => $"{release} is live, but the CDN edge pointer was not updated (run `jamdeploy sync-edge`)",
            CiDeployOutcomes.Refused => "Refused: the live release changed while this deploy ran",
            CiDeployOutcomes.Cancelled when report.Live => $"Cancelled after {release} went live",
            CiDeployOutcomes.Cancelled => "Cancelled; the live release is unchanged",
            _ => $"Deploy failed (exit {Format.Number(report.ExitCode)}); the live release is unchanged",
        };
    }

    private static void Row(StringBuilder text, string name, string value) =>
        text.Append("| ").Append(name).Append(" | ").Append(value).Append(" |\n");

    /// <summary>Text inside a table cell: one line, no column breaks, no HTML.</summary>
    private static string Cell(string value) =>
        value.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Code(string value) => $"`{Cell(value).Replace("`", "'", StringComparison.Ordinal)}`";

    private static string? PathFrom(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var path) && !string.IsNullOrWhiteSpace(path) ? path : null;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
}

/// <summary>Which GitHub files a deploy wrote (null: the variable was not set).</summary>
public sealed record GitHubActionsWritten(string? OutputFile, string? StepSummaryFile);
