using Jamdeploy.Cli.Output;
using Jamdeploy.Verification;

namespace Jamdeploy.Cli.Results;

/// <summary>
/// <c>jamdeploy verify</c>: can each release be served whole? Exit 1 when one cannot, with every missing or
/// corrupt blob listed in the lines and the document alike.
/// </summary>
public sealed record VerifyResultView(
    bool Ok, bool Deep, string Store, int BlobsChecked, long BytesHashed, IReadOnlyList<ReleaseVerificationView> Releases) : ICommandResult
{
    public int ExitCode => Ok ? ExitCodes.Done : ExitCodes.Failed;

    public string? Error
    {
        get
        {
            var broken = Releases.Count(r => !r.Ok);
            return broken == 0 ? null
                : $"verify failed: {broken} of {Format.Plural(Releases.Count, "release")} cannot be served whole ({Format.Plural(Releases.Sum(r => r.Problems.Count), "broken blob")})";
        }
    }

    public static VerifyResultView From(VerificationReport report, string store) =>
        new(report.Ok, report.Deep, store, report.BlobsChecked, report.BytesHashed, [.. report.Releases.Select(ReleaseVerificationView.From)]);

    public IEnumerable<string> Lines()
    {
        var checkedHow = Deep ? "present and intact" : "present";
        if (Releases.Count == 0) yield return $"no releases in {Store}";
        foreach (var release in Releases)
        {
            var live = release.Live ? " (live)" : "";
            if (release.Ok)
            {
                yield return $"ok      {release.Id}{live}: {Format.Plural(release.Files, "file")}, {Format.Plural(release.Blobs, "blob")} {checkedHow}";
                continue;
            }
            if (release.ManifestProblem is { } problem)
            {
                yield return $"BROKEN  {release.Id}{live}: {problem}";
                continue;
            }
            yield return $"BROKEN  {release.Id}{live}: {Format.Plural(release.Problems.Count, "broken blob")} of {release.Blobs}";
            foreach (var blob in release.Problems)
                yield return $"  {FaultWord(blob.Fault),-8} {blob.Hash[..12]}  {string.Join(" ", blob.Paths)}  ({blob.Detail})";
        }
    }

    private static string FaultWord(BlobFault fault) => fault switch
    {
        BlobFault.Missing => "missing",
        BlobFault.WrongSize => "size",
        _ => "corrupt",
    };
}

public sealed record ReleaseVerificationView(
    string Id, bool Live, bool Ok, int Files, int Blobs, string? ManifestProblem, IReadOnlyList<BlobProblemView> Problems)
{
    public static ReleaseVerificationView From(ReleaseVerification r) =>
        new(r.Id.Value, r.IsLive, r.Ok, r.Files, r.Blobs, r.ManifestProblem, [.. r.Problems.Select(BlobProblemView.From)]);
}

public sealed record BlobProblemView(string Hash, BlobFault Fault, string Detail, IReadOnlyList<string> Paths)
{
    public static BlobProblemView From(BlobProblem p) => new(p.Hash.Hex, p.Fault, p.Detail, p.Paths);
}
