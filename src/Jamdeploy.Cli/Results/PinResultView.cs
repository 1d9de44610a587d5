namespace Jamdeploy.Cli.Results;

/// <summary><c>jamdeploy pin</c> and <c>unpin</c>: whether cleanup keeps the release whatever its age.</summary>
public sealed record PinResultView(string Store, string Release, bool Pinned) : ICommandResult
{
    /// <summary>With unpin: whether the release was pinned before (null for pin).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? WasPinned { get; init; }

    public IEnumerable<string> Lines()
    {
        if (Pinned) yield return $"pinned: {Release} (cleanup keeps it until `jamdeploy unpin {Release}`)";
        else yield return WasPinned == true ? $"unpinned: {Release}" : $"unchanged: {Release} was not pinned";
        yield return $"store: {Store}";
    }
}
