using Jamdeploy.Model;

namespace Jamdeploy;

/// <summary>
/// An expected failure: it carries the exit code and one line that tells the user what to fix.
/// Anything else that escapes a command is a bug.
/// </summary>
public class JamdeployException(int exitCode, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Bad input or configuration: nothing was touched (exit 2).</summary>
public sealed class UsageException(string message, Exception? inner = null)
    : JamdeployException(ExitCodes.Usage, message, inner);

/// <summary>The store could not be reached or answered something unusable (exit 1).</summary>
public sealed class StoreException(string message, Exception? inner = null)
    : JamdeployException(ExitCodes.Failed, message, inner);

/// <summary>A pointer or manifest in the store is not a document this version can read (exit 1).</summary>
public sealed class CorruptStoreException(string message, Exception? inner = null)
    : JamdeployException(ExitCodes.Failed, message, inner);

/// <summary>
/// The live pointer moved between plan and flip (invariant 3, exit 4). The line names the command that lost
/// (deploy, promote, rollback) and what running it again does, since each means something else on top of the
/// release now live.
/// </summary>
public sealed class LiveChangedException(ReleaseId? expected, ReleaseId? nowLive, Releases.FlipAction action = Releases.FlipAction.Deploy, ReleaseId? target = null)
    : JamdeployException(ExitCodes.Conflict, Describe(expected, nowLive, action, target))
{
    public ReleaseId? Expected { get; } = expected;
    public ReleaseId? NowLive { get; } = nowLive;

    private static string Describe(ReleaseId? expected, ReleaseId? nowLive, Releases.FlipAction action, ReleaseId? target)
    {
        var now = nowLive?.ToString() ?? "none";
        var refused = $"refused: the live release changed while this {action.ToString().ToLowerInvariant()} ran (planned from {expected?.ToString() ?? "no release"}, now live: {now})";
        return (action, target) switch
        {
            // A rollback run again would go back from the release now live, not to this one: name the one it meant.
            (Releases.FlipAction.Rollback, { } back) => $"{refused}; nothing was rolled back: check `jamdeploy status`, then `jamdeploy rollback --to {back}` puts {back} back on top of {now}",
            (Releases.FlipAction.Promote, { } promoted) => $"{refused}; nothing was promoted: check `jamdeploy status`, then `jamdeploy promote {promoted}` again makes it live on top of {now}",
            _ => $"{refused}; rerun to deploy on top of it, or pass --force",
        };
    }
}

/// <summary>
/// The flip happened, so the new release is live, but a step after it did not finish. Carries the live release
/// and the unfinished step so every output (stderr, the <c>--json</c> document, the CI summary) can say both.
/// </summary>
public abstract class AfterFlipException(int exitCode, ReleaseId live, string unfinished, string message, Exception? inner)
    : JamdeployException(exitCode, message, inner)
{
    /// <summary>The release that is live now.</summary>
    public ReleaseId Live { get; } = live;

    /// <summary>What did not finish after the flip, one word for machines (for example <c>invalidation</c>).</summary>
    public string Unfinished { get; } = unfinished;
}

/// <summary>The release is live but the CDN was not told (exit 3).</summary>
public sealed class InvalidationFailedException(ReleaseId live, string reason, Exception? inner = null)
    : AfterFlipException(ExitCodes.InvalidationFailed, live, Step,
        $"{live} is live, but the CDN invalidation failed: {reason}; retry with `jamdeploy invalidate --release {live}`", inner)
{
    public const string Step = "invalidation";
}

/// <summary>Ctrl+C arrived after the flip: the release is live, a step after it (edge pointer, invalidation) was left undone (exit 130).</summary>
public sealed class CancelledAfterFlipException : AfterFlipException
{
    /// <param name="unfinished">The step that did not run (see <see cref="AfterFlipException.Unfinished"/>).</param>
    /// <param name="repair">What was left undone and the command that finishes it.</param>
    public CancelledAfterFlipException(ReleaseId live, string unfinished, string repair, OperationCanceledException inner)
        : base(ExitCodes.Cancelled, live, unfinished, $"cancelled after {live} went live; {repair}", inner) { }
}
/// <summary>
/// The release is live (<c>live.json</c> moved) but the CDN edge pointer was not written (exit 3, as for a failed
/// invalidation). <c>jamdeploy sync-edge</c> repairs it: it runs the same convergence loop.
/// </summary>
public sealed class EdgePointerFailedException(ReleaseId live, string edge, string reason, Exception? inner = null)
    : AfterFlipException(ExitCodes.InvalidationFailed, live, Step,
        $"{live} is live, but the edge pointer ({edge}) was not updated: {reason}; repair with `jamdeploy sync-edge`", inner)
{
    public const string Step = "edge-pointer";
}

/// <summary>
/// An object's bytes do not match the checksum the store keeps with them (bit rot, a write around jamdeploy):
/// reading it again gives the same bytes, so it is never retried (exit 1).
/// </summary>
public sealed class DamagedObjectException(string key, string message, Exception? inner = null)
    : JamdeployException(ExitCodes.Failed, message, inner)
{
    /// <summary>The damaged object's key, relative to the store.</summary>
    public string Key { get; } = key;
}

/// <summary>
/// A promote or rollback refused because the release it would make live lacks blobs (invariant 1): nothing was
/// switched (exit 1). The release's own folder, deployed again with --verify, sends them again.
/// </summary>
public sealed class MissingBlobsException(Manifests.Manifest release, IReadOnlyList<ContentHash> missing)
    : JamdeployException(ExitCodes.Failed, Describe(release, missing))
{
    public ReleaseId Release { get; } = release.Id;
    public IReadOnlyList<ContentHash> Missing { get; } = missing;

    private static string Describe(Manifests.Manifest release, IReadOnlyList<ContentHash> missing)
    {
        var first = missing[0];
        var path = release.Files.First(f => f.Value.Hash == first).Key;
        var count = missing.Count == 1 ? "1 blob" : $"{missing.Count} blobs";
        var folder = release.Source ?? "<its folder>";
        return $"refused: release {release.Id} is missing {count} from the store (first {first.Short}… for {path}); the live release is unchanged; "
            + $"deploying its folder again with `jamdeploy deploy {folder} --verify` restores them, `jamdeploy verify --release {release.Id}` lists them";
    }
}

/// <summary>
/// A flip refused because the live pointer marks its release as being deleted by a cleanup (Releases/CleanupMark):
/// nothing was switched (exit 1). The mark outlives only a cleanup that was killed while deleting manifests, and
/// the next cleanup run takes it out (keeping the release if a pin asks for it by then).
/// </summary>
public sealed class ReleaseBeingDeletedException(ReleaseId release, DateTimeOffset since, string pointer)
    : JamdeployException(ExitCodes.Failed,
        $"refused: a cleanup started at {since:u} is deleting release {release} ({pointer} marks it), so it was not made live; the live release is unchanged; "
        + $"`jamdeploy releases` lists the releases cleanup keeps (if that cleanup was killed, `jamdeploy pin {release}` then `jamdeploy cleanup` keeps this one)")
{
    public ReleaseId Release { get; } = release;
}
