using Jamdeploy.Cleanup;
using Jamdeploy.Cli.Output;

namespace Jamdeploy.Cli.Results;

/// <summary>
/// <c>jamdeploy cleanup</c>: the plan (what retention keeps and why, what goes) and, unless --dry-run, what was
/// deleted. Exit 1 when --max-delete stopped it: the document is still whole and says what is left.
/// </summary>
public sealed record CleanupResultView : ICommandResult
{
    public required bool DryRun { get; init; }
    public required string Store { get; init; }
    public required RulesView Rules { get; init; }
    public required string? Live { get; init; }
    public required IReadOnlyList<KeptReleaseView> Kept { get; init; }
    public required IReadOnlyList<DeletedReleaseView> ReleasesToDelete { get; init; }
    public required BlobsToDeleteView BlobsToDelete { get; init; }
    public required int BlobsSparedByGracePeriod { get; init; }

    /// <summary>Temp files killed writes left in a local store, untouched for an hour or more: removed by a run.</summary>
    public required TempFilesView AbandonedTempFiles { get; init; }
    public required long BytesToFree { get; init; }
    public required int? MaxDelete { get; init; }
    public required DeletedView? Deleted { get; init; }
    public required bool StoppedAtLimit { get; init; }
    public required RemainingView? Remaining { get; init; }
    public int ExitCode => StoppedAtLimit ? ExitCodes.Failed : ExitCodes.Done;

    public string? Error => StoppedAtLimit && Deleted is { } d && Remaining is { } r
        ? $"stopped at --max-delete {MaxDelete}: deleted {Format.Plural(d.Releases + d.Blobs, "object")}, {r.Releases + r.Blobs} left; run cleanup again to continue (every kept release is whole)"
        : null;

    private CleanupPlan Plan { get; init; } = null!;

    public static CleanupResultView From(CleanupPlan plan, CleanupResult? result, string store, int? maxDelete) => new()
    {
        DryRun = result is null,
        Store = store,
        Rules = new(plan.Rules.KeepLast, Durations.Setting(plan.Rules.KeepFor), Durations.Setting(plan.Rules.GracePeriod)),
        Live = plan.Live?.Value,
        Kept = [.. plan.Kept.Select(r => new KeptReleaseView(r.Id.Value, r.Created, [.. ReasonNames(r.Reasons)]))],
        ReleasesToDelete = [.. plan.ReleasesToDelete.Select(r => new DeletedReleaseView(r.Id.Value, r.Created, r.ManifestBytes))],
        BlobsToDelete = new(plan.BlobsToDelete.Count, plan.BlobsToDelete.Sum(b => b.Size), [.. plan.BlobsToDelete.Select(b => b.Hash.Hex)]),
        BlobsSparedByGracePeriod = plan.BlobsSparedByGrace,
        AbandonedTempFiles = new(plan.AbandonedWrites.Count, plan.AbandonedWrites.Sum(w => w.Size)),
        BytesToFree = plan.Bytes,
        MaxDelete = maxDelete,
        Deleted = result is null ? null : new(result.ReleasesDeleted, result.BlobsDeleted, result.BytesFreed, result.AbandonedWritesRemoved.Count),
        StoppedAtLimit = result?.StoppedAtLimit ?? false,
        Remaining = result is null ? null : new(result.ReleasesRemaining, result.BlobsRemaining),
        Plan = plan,
    };

    public IEnumerable<string> Lines() => [.. DryRun ? PlanLines() : ResultLines(), $"store: {Store}"];

    private IEnumerable<string> PlanLines()
    {
        foreach (var release in Plan.Releases)
        {
            var what = release.Keep ? $"keep    {release.Id}  ({Describe(release.Reasons)})" : $"delete  {release.Id}  (made {Format.Time(release.Created)})";
            yield return $"  {what}";
        }
        yield return $"  delete  {Format.Plural(BlobsToDelete.Count, "blob")} no kept release references ({Format.Bytes(BlobsToDelete.Bytes)})";
        if (BlobsSparedByGracePeriod > 0)
            yield return $"  keep    {Format.Plural(BlobsSparedByGracePeriod, "unreferenced blob")} younger than the grace period ({Rules.GracePeriod}): a deploy may still need them";
        if (AbandonedTempFiles.Count > 0)
            yield return $"  delete  {Format.Plural(AbandonedTempFiles.Count, "temp file")} left by killed writes ({Format.Bytes(AbandonedTempFiles.Bytes)})";
        var limit = MaxDelete is { } m && m < Plan.ObjectCount ? $"; --max-delete {m} would stop after {m} of {Plan.ObjectCount} deletions" : "";
        yield return $"dry run: would delete {Format.Plural(ReleasesToDelete.Count, "release")} and {Format.Plural(BlobsToDelete.Count, "blob")}, freeing {Format.Bytes(BytesToFree)}; keeping {Format.Plural(Kept.Count, "release")}{limit}; nothing deleted";
    }

    private IEnumerable<string> ResultLines()
    {
        var deleted = Deleted!;
        var live = Live is { } l ? $", {l} live" : "";
        if (deleted.TempFiles > 0) yield return $"removed {Format.Plural(deleted.TempFiles, "temp file")} left by killed writes";
        yield return deleted.Releases + deleted.Blobs == 0 && !StoppedAtLimit
            ? $"nothing to delete: {Format.Plural(Kept.Count, "release")} kept{live}"
            : $"deleted {Format.Plural(deleted.Releases, "release")} and {Format.Plural(deleted.Blobs, "blob")}, freed {Format.Bytes(deleted.Bytes)}; kept {Format.Plural(Kept.Count, "release")}{live}";
    }

    private static string Describe(KeepReasons reasons) => string.Join(", ", ReasonNames(reasons).Select(r => r switch
    {
        "rollbackTarget" => "rollback target",
        "liveWithinGrace" => "live within the grace period",
        "madeWithinGrace" => "made within the grace period",
        _ => r,
    }));

    private static IEnumerable<string> ReasonNames(KeepReasons reasons) =>
        Enum.GetValues<KeepReasons>().Where(r => r != KeepReasons.None && reasons.HasFlag(r)).Select(r => char.ToLowerInvariant(r.ToString()[0]) + r.ToString()[1..]);
}

public sealed record RulesView(int KeepLast, string KeepFor, string GracePeriod);

public sealed record KeptReleaseView(string Id, DateTimeOffset Created, IReadOnlyList<string> Reasons);

public sealed record DeletedReleaseView(string Id, DateTimeOffset Created, long Bytes);

public sealed record BlobsToDeleteView(int Count, long Bytes, IReadOnlyList<string> Hashes);

/// <param name="TempFiles">Abandoned temp files removed; not objects, so not in <paramref name="Bytes"/> nor counted by --max-delete.</param>
public sealed record DeletedView(int Releases, int Blobs, long Bytes, int TempFiles);

public sealed record TempFilesView(int Count, long Bytes);

public sealed record RemainingView(int Releases, int Blobs);
