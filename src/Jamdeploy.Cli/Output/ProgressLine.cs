using System.Globalization;
using Jamdeploy.Deploying;

namespace Jamdeploy.Cli.Output;

/// <summary>Where a deploy is: its stage and, for hash and upload, files and bytes done of total.</summary>
public sealed record ProgressSnapshot(DeployStage Stage, long BytesDone, long BytesTotal, int FilesDone, int FilesTotal);

/// <summary>What one stage that moves files did, for the closing line.</summary>
public sealed record StageTotals(int Files, long Bytes);

/// <summary>
/// The text of the progress display, pure so it is tested as text: the one live line (never wider than the
/// terminal, so it never wraps into two) and the closing line with the elapsed time.
/// </summary>
public static class ProgressLine
{
    public static string Live(ProgressSnapshot at, TimeSpan? eta, int width)
    {
        var text = at.Stage switch
        {
            DeployStage.Scan => "scanning the folder…",
            DeployStage.Hash => Counts("hashing", at, eta),
            DeployStage.Plan => "planning…",
            DeployStage.Upload => Counts("uploading", at, eta),
            DeployStage.Manifest => "writing the release manifest…",
            DeployStage.Flip => "flipping the live pointer…",
            DeployStage.Invalidate => "invalidating the CDN…",
            _ => "",
        };
        return Fit(text, width);
    }

    /// <summary>
    /// The closing line: what was hashed and uploaded, and how long it all took. <paramref name="uploaded"/> is null
    /// when the deploy sent nothing (unchanged, dry run).
    /// </summary>
    public static string Final(StageTotals hashed, StageTotals? uploaded, TimeSpan elapsed)
    {
        var upload = uploaded is { } u ? $", uploaded {Files(u.Files, u.Files)} ({Format.Bytes(u.Bytes)})" : "";
        return $"hashed {Files(hashed.Files, hashed.Files)} ({Format.Bytes(hashed.Bytes)}){upload} in {Durations.Human(elapsed)}";
    }

    private static string Counts(string verb, ProgressSnapshot at, TimeSpan? eta) =>
        $"{verb} {N(at.FilesDone)}/{Files(at.FilesTotal, at.FilesTotal)} · {Format.Bytes(at.BytesDone)}/{Format.Bytes(at.BytesTotal)} · ETA {(eta is { } e ? Durations.Human(e) : "…")}";

    private static string Files(int shown, int count) => $"{N(shown)} file{(count == 1 ? "" : "s")}";

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A line that fits: a terminal wraps a line as wide as itself, and the next redraw then leaves one behind.</summary>
    private static string Fit(string text, int width)
    {
        var room = Math.Max(1, width - 1);
        return text.Length <= room ? text : text[..(room - 1)] + "…";
    }
}
