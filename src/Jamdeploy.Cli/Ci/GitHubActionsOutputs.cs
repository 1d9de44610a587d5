using System.Globalization;
using System.Text;

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
        var outputs = new List<(string Name, string? Value)>
        {
            ("release_id", report.ReleaseId),
            ("url", report.Url),
            ("live", report.Live ? "true" : "false"),
            ("dry_run", report.DryRun ? "true" : "false"),
            ("exit_code", Number(report.ExitCode)),
            ("site", report.Site),
            ("commit", report.Commit),
            ("files", Number(report.Plan.Files)),
            ("added", Number(report.Plan.Added)),
            ("changed", Number(report.Plan.Changed)),
            ("removed", Number(report.Plan.Removed)),
            ("uploaded_blobs", Number(report.Plan.UploadedBlobs)),
            ("uploaded_bytes", report.Plan.UploadedBytes.ToString(CultureInfo.InvariantCulture)),
            ("reused_blobs", Number(report.Plan.ReusedBlobs)),
            ("invalidated_paths", Number(report.InvalidatedPaths)),
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
        Row(text, "Site", Code(report.Site));
        Row(text, "Release", Code(report.ReleaseId));
        if (report.Url is not null) Row(text, "URL", $"<{Cell(report.Url)}>");
        if (report.Commit is not null) Row(text, "Commit", Code(report.Commit));
        if (report.Message is not null) Row(text, "Message", Cell(report.Message));
        var plan = report.Plan;
        Row(text, "Files", $"{Number(plan.Files)} ({Number(plan.Added)} added, {Number(plan.Changed)} changed, {Number(plan.Removed)} removed)");
        Row(text, report.DryRun ? "Would upload" : "Uploaded", $"{Number(plan.UploadedBlobs)} blobs, {Bytes(plan.UploadedBytes)}");
        Row(text, "Reused", $"{Number(plan.ReusedBlobs)} blobs already in the store");
        Row(text, "CDN", $"{Number(report.InvalidatedPaths)} paths invalidated");
        Row(text, "Exit code", Number(report.ExitCode));
        return text.Append('\n').ToString();
    }

    /// <summary>The plan in one line, for logs and the <c>summary</c> output.</summary>
    public static string PlanLine(CiDeployReport report)
    {
        var plan = report.Plan;
        var upload = report.DryRun ? "would upload" : "uploaded";
        return $"{Number(plan.Files)} files ({Number(plan.Added)} added, {Number(plan.Changed)} changed, {Number(plan.Removed)} removed); "
            + $"{upload} {Number(plan.UploadedBlobs)} blobs ({Bytes(plan.UploadedBytes)}), reused {Number(plan.ReusedBlobs)}; "
            + $"invalidated {Number(report.InvalidatedPaths)} paths";
    }

    private static string Headline(CiDeployReport report) => report switch
    {
        { DryRun: true, ExitCode: ExitCodes.Done } => $"Dry run for {Code(report.Site)}: nothing was changed",
        { ExitCode: ExitCodes.Done } => $"{Code(report.ReleaseId)} is live on {Code(report.Site)}",
        { ExitCode: ExitCodes.InvalidationFailed } => $"{Code(report.ReleaseId)} is live on {Code(report.Site)}, but the CDN invalidation failed",
        { ExitCode: ExitCodes.Conflict } => $"Refused: the live release of {Code(report.Site)} changed while this deploy ran",
        { Live: true } => $"{Code(report.ReleaseId)} is live on {Code(report.Site)}, but the deploy did not finish (exit {Number(report.ExitCode)})",
        _ => $"Deploy to {Code(report.Site)} failed (exit {Number(report.ExitCode)}); the live release is unchanged",
    };

    private static void Row(StringBuilder text, string name, string value) =>
        text.Append("| ").Append(name).Append(" | ").Append(value).Append(" |\n");

    /// <summary>Text inside a table cell: one line, no column breaks, no HTML.</summary>
    private static string Cell(string value) =>
        value.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Code(string value) => $"`{Cell(value).Replace("`", "'", StringComparison.Ordinal)}`";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double size = bytes;
        var unit = 0;
        while (size >= 1024 && unit < units.Length - 1)
        {
            size /= 1024;
            unit++;
        }
        return unit == 0
            ? $"{bytes.ToString(CultureInfo.InvariantCulture)} B"
            : $"{size.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    private static string? PathFrom(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var path) && !string.IsNullOrWhiteSpace(path) ? path : null;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
}

/// <summary>Which GitHub files a deploy wrote (null: the variable was not set).</summary>
public sealed record GitHubActionsWritten(string? OutputFile, string? StepSummaryFile);
