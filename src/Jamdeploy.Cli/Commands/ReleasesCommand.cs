using Jamdeploy.Cli.Output;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy releases</c>: every stored release, newest first, the live one marked.</summary>
public sealed class ReleasesCommand : CommandBase
{
    public ReleasesCommand() : base("releases", "List the stored releases, newest first") { }

    protected override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var releases = await context.CreateReleaseOperations(wait: false).ListAsync(cancellationToken);
        context.Output.Json(new
        {
            store = context.StoreLocation,
            releases = releases.Select(r => new { id = r.Id.Value, created = r.Created, files = r.Files, bytes = r.Bytes, message = r.Message, commit = r.Commit, live = r.Live }),
        });
        if (releases.Count == 0) context.Output.Line($"no releases in {context.StoreLocation}");
        foreach (var r in releases)
        {
            var marker = r.Live ? "* " : "  ";
            var commit = r.Commit is { Length: > 0 } c ? $"  {c[..Math.Min(12, c.Length)]}" : "";
            var message = r.Message is { Length: > 0 } m ? $"  {m}" : "";
            context.Output.Line($"{marker}{r.Id}  {Format.Time(r.Created)}  {Format.Plural(r.Files, "file"),10}  {Format.Bytes(r.Bytes),9}{commit}{message}{(r.Live ? "  (live)" : "")}");
        }
        return ExitCodes.Done;
    }
}
