using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Commands;

/// <summary>Every command that takes a release reads it through <see cref="ReleaseReferences"/>, with one help text.</summary>
internal static class ReleaseArguments
{
    public const string Description = "A release: its id, a unique prefix of one, `live` or `previous` (see `jamdeploy releases`)";

    public static Task<ReleaseId> ResolveAsync(CommandContext context, string text, CancellationToken cancellationToken, bool includePins = false) =>
        new ReleaseReferences(new ReleaseStore(context.Store)).ResolveAsync(text, includePins, cancellationToken);
}
