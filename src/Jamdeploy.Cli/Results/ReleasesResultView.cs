using Jamdeploy.Cli.Output;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy releases</c>: every stored release, newest first, the live one marked.</summary>
public sealed record ReleasesResultView(string Store, IReadOnlyList<ReleaseView> Releases) : ICommandResult
{
    public static ReleasesResultView From(string store, IEnumerable<ReleaseSummary> releases) =>
        new(store, [.. releases.Select(ReleaseView.From)]);

    public IEnumerable<string> Lines()
    {
        if (Releases.Count == 0) yield return $"no releases in {Store}";
        foreach (var r in Releases)
        {
            var marker = r.Live ? "* " : "  ";
            var commit = r.Commit is { Length: > 0 } c ? $"  {c[..Math.Min(12, c.Length)]}" : "";
            var message = r.Message is { Length: > 0 } m ? $"  {m}" : "";
            var live = r.Live ? "  (live)" : "";
            var pinned = !r.Pinned ? "" : r.PinNote is { Length: > 0 } note ? $"  (pinned: {note})" : "  (pinned)";
            yield return $"{marker}{r.Id}  {Format.Time(r.Created)}  {Format.Plural(r.Files, "file"),10}  {Format.Bytes(r.Bytes),9}{commit}{message}{live}{pinned}";
        }
    }
}

/// <summary>One stored release as <c>releases</c> lists it; a pinned one with its pin's note.</summary>
public sealed record ReleaseView(string Id, DateTimeOffset Created, int Files, long Bytes, string? Message, string? Commit, bool Live, bool Pinned, string? PinNote)
{
    public static ReleaseView From(ReleaseSummary r) => new(r.Id.Value, r.Created, r.Files, r.Bytes, r.Message, r.Commit, r.Live, r.Pinned, r.PinNote);
}
