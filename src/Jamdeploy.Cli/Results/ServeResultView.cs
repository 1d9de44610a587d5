using System.Text.Json.Serialization;

namespace Jamdeploy.Cli.Results;

/// <summary>
/// <c>jamdeploy serve</c>: where it listens, written as soon as it does (the document, or the "serving" line);
/// once stopped, the same record says so in a line (under --json the one document is already written).
/// </summary>
public sealed record ServeResultView(string Store, IReadOnlyList<string> Urls, bool Preview, bool Purge) : ICommandResult
{
    [JsonIgnore] public bool Stopped { get; init; }

    public IEnumerable<string> Lines() =>
        [Stopped ? "stopped" : $"serving {Store} on {string.Join(", ", Urls)}; Ctrl+C stops"];
}
