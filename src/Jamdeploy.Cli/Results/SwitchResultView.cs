using Jamdeploy.Cli.Output;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy promote</c> and <c>jamdeploy rollback</c>: which release is live now, and which was before.</summary>
public sealed record SwitchResultView(string Action, string Store, string Live, string? Before, bool AlreadyLive, int InvalidatedPaths) : ICommandResult
{
    public static SwitchResultView From(string action, string store, SwitchResult result) =>
        new(action, store, result.Live.Value, result.Before?.Value, result.AlreadyLive, result.InvalidatedPaths);

    public IEnumerable<string> Lines()
    {
        if (AlreadyLive)
        {
            yield return $"unchanged: {Live} is already live";
            yield return $"store: {Store}";
            yield break;
        }
        yield return $"live: {Live} (was {Before ?? "none"})";
        if (InvalidatedPaths > 0) yield return $"invalidated {Format.Plural(InvalidatedPaths, "path")}";
        yield return $"store: {Store}";
    }
}
