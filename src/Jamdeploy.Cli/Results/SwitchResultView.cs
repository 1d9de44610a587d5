using System.Text.Json.Serialization;
using Jamdeploy.Cli.Output;
using Jamdeploy.Releases;

namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy promote</c> and <c>jamdeploy rollback</c>: which release is live now, and which was before.</summary>
public sealed record SwitchResultView(string Action, string Store, string Live, string? Before, bool AlreadyLive, int InvalidatedPaths) : ICommandResult
{
    /// <summary>A rollback that found itself done: when. For the line only; <c>alreadyLive</c> tells a machine.</summary>
    [JsonIgnore]
    public DateTimeOffset? RolledBackAt { get; init; }

    public static SwitchResultView From(string action, string store, SwitchResult result) =>
        new(action, store, result.Live.Value, result.Before?.Value, result.AlreadyLive, result.InvalidatedPaths) { RolledBackAt = result.RolledBackAt };

    public IEnumerable<string> Lines()
    {
        if (AlreadyLive)
        {
            yield return RolledBackAt is { } at
                ? $"unchanged: {Live} is already live (rolled back at {Format.Time(at)}); `jamdeploy rollback --to <release>` goes further back"
                : $"unchanged: {Live} is already live";
            yield return $"store: {Store}";
            yield break;
        }
        yield return $"live: {Live} (was {Before ?? "none"})";
        if (InvalidatedPaths > 0) yield return $"invalidated {Format.Plural(InvalidatedPaths, "path")}";
        yield return $"store: {Store}";
    }
}
