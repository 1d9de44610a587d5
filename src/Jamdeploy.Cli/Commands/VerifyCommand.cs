using System.CommandLine;
using Jamdeploy.Cli.Output;
using Jamdeploy.Verification;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy verify [--release &lt;id&gt; | --all] [--deep]</c>: can the release be served whole? Exit 1
/// with every missing or corrupt blob listed when it cannot.
/// </summary>
public sealed class VerifyCommand : CommandBase
{
    private static readonly Option<string?> ReleaseOption = new("--release") { HelpName = "id", Description = "The release to check (default: the live one)" };
    private static readonly Option<bool> AllOption = new("--all") { Description = "Check every stored release" };
    private static readonly Option<bool> DeepOption = new("--deep") { Description = "Read every blob and check it hashes to its name (slower: reads all bytes)" };

    public VerifyCommand() : base("verify", "Check that every blob of a release is stored (and with --deep, intact)")
    {
        Options.Add(ReleaseOption);
        Options.Add(AllOption);
        Options.Add(DeepOption);
    }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var release = parse.GetValue(ReleaseOption);
        var all = parse.GetValue(AllOption);
        if (release is not null && all) throw new UsageException("give --release <id> or --all, not both");
        var target = all ? VerifyTarget.All
            : release is not null ? VerifyTarget.Release(ReleaseIds.ParseArgument(release))
            : VerifyTarget.Live;
        var deep = parse.GetValue(DeepOption);

        var report = await new ReleaseVerifier(context.Store, context.Log).VerifyAsync(target, deep, cancellationToken);
        Write(context, report);
        var broken = report.Releases.Count(r => !r.Ok);
        if (broken > 0)
            throw new JamdeployException(ExitCodes.Failed,
                $"verify failed: {broken} of {Format.Plural(report.Releases.Count, "release")} cannot be served whole ({Format.Plural(report.Releases.Sum(r => r.Problems.Count), "broken blob")})");
        return ExitCodes.Done;
    }

    private static void Write(CommandContext context, VerificationReport report)
    {
        var output = context.Output;
        output.Json(new
        {
            ok = report.Ok,
            deep = report.Deep,
            store = context.StoreLocation,
            blobsChecked = report.BlobsChecked,
            bytesHashed = report.BytesHashed,
            releases = report.Releases.Select(r => new
            {
                id = r.Id.Value,
                live = r.IsLive,
                ok = r.Ok,
                files = r.Files,
                blobs = r.Blobs,
                manifestProblem = r.ManifestProblem,
                problems = r.Problems.Select(p => new { hash = p.Hash.Hex, fault = p.Fault, detail = p.Detail, paths = p.Paths }),
            }),
        });
        if (output.IsJson) return;

        var checkedHow = report.Deep ? "present and intact" : "present";
        if (report.Releases.Count == 0) output.Line($"no releases in {context.StoreLocation}");
        foreach (var release in report.Releases)
        {
            var live = release.IsLive ? " (live)" : "";
            if (release.Ok)
            {
                output.Line($"ok      {release.Id}{live}: {Format.Plural(release.Files, "file")}, {Format.Plural(release.Blobs, "blob")} {checkedHow}");
                continue;
            }
            if (release.ManifestProblem is { } problem)
            {
                output.Line($"BROKEN  {release.Id}{live}: {problem}");
                continue;
            }
            output.Line($"BROKEN  {release.Id}{live}: {Format.Plural(release.Problems.Count, "broken blob")} of {release.Blobs}");
            foreach (var blob in release.Problems)
                output.Line($"  {FaultWord(blob.Fault),-8} {blob.Hash.Short}  {string.Join(" ", blob.Paths)}  ({blob.Detail})");
        }
    }

    private static string FaultWord(BlobFault fault) => fault switch
    {
        BlobFault.Missing => "missing",
        BlobFault.WrongSize => "size",
        _ => "corrupt",
    };
}
