using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Serilog;

namespace Jamdeploy.Releases;

/// <summary>
/// The pointer after a flip, and what was live just before it (which the CDN diff starts from). <c>At</c> is
/// the time of the flip's history entry: the CDN's idempotency key includes it.
/// </summary>
public sealed record FlipResult(ReleaseId Live, ReleaseId? Before, bool OverConcurrentChange, DateTimeOffset At);

/// <summary>
/// The one visible step: a compare-and-swap of the live pointer against the state the caller planned
/// from (invariant 3). A lost race is never retried blindly: without force it is refused naming the
/// release now live; with force the pointer is re-read and the move is added on top of it, so no
/// history entry is lost. A pointer that changed only in a cleanup's mark did not move: the swap is made
/// again over it. No swap is made over a pointer whose mark names the release (<see cref="CleanupMark"/>):
/// that check, made against the very state each swap names, is what keeps a promote or rollback off a
/// release a cleanup is deleting.
/// </summary>
public sealed class LiveSwitch(ReleaseStore releases, TimeProvider time, int historyLimit, ILogger log)
{
    private const int MaxAttempts = 50;

    /// <summary>
    /// Run once before a forced move on top of a pointer that changed since the caller planned: what the
    /// caller trusted because it was live then (a deploy reuses the live release's blobs) may be gone now.
    /// </summary>
    public Func<CancellationToken, Task>? BeforeForcedMove { get; init; }

    public async Task<FlipResult> FlipAsync(Manifest release, FlipAction action, LiveState planned, bool force, CancellationToken cancellationToken)
    {
        var target = release.Id;
        var digest = release.ContentDigest();
        var state = planned;
        var forced = false;
        for (var attempt = 1; ; attempt++)
        {
            if (state.Pointer?.Deleting is { } mark && mark.Names(target))
                throw new ReleaseBeingDeletedException(target, mark.Since, releases.Where(Storage.StoreLayout.LiveKey));
            var at = time.GetUtcNow();
            var next = state.Pointer is null
                ? LivePointer.First(target, at, action, digest)
                : state.Pointer.MoveTo(target, at, action, historyLimit, digest);
            var written = await WriteAsync(next, state.ETag, cancellationToken);
            if (written)
            {
                log.Information("Flipped live pointer to {Release} ({Action}, was {Before})", target, action, state.Live);
                return new FlipResult(target, state.Live, forced, at);
            }

            var now = await releases.ReadLiveAsync(cancellationToken);
            if (attempt >= MaxAttempts)
                throw new StoreException($"gave up after {attempt} attempts: the live pointer kept changing");
            if (state.Pointer is { } was && now.Pointer is { } changed && changed.SameMovesAs(was))
            {
                log.Information("Live pointer changed in a cleanup's mark only (now {Mark}); swapping again", changed.Deleting?.Releases.Count ?? 0);
                state = now;
                continue;
            }
            log.Information("Live pointer moved concurrently: planned from {Planned}, now {Now}", planned.Live, now.Live);
            if (!force) throw new LiveChangedException(planned.Live, now.Live, action, target);
            if (!forced && BeforeForcedMove is { } before) await before(cancellationToken);
            forced = true;
            state = now;
        }
    }

    /// <summary>
    /// The compare-and-swap, made certain: when the write fails in a way that may have reached the store (the
    /// answer was lost, the retries ran out), the pointer is read back. Our own history entry there means
    /// the flip happened; anything else means it did not, and the failure stands.
    /// </summary>
    private async Task<bool> WriteAsync(LivePointer next, string? expectedETag, CancellationToken cancellationToken)
    {
        try
        {
            return (await releases.WritePointerAsync(next, expectedETag, cancellationToken)).Written;
        }
        catch (StoreException e)
        {
            LiveState now;
            try
            {
                now = await releases.ReadLiveAsync(cancellationToken);
            }
            catch (StoreException)
            {
                throw new StoreException(
                    $"could not tell whether {next.Live} went live: writing the live pointer failed ({e.Message}) and reading it back failed too; `jamdeploy status` shows what is live", e);
            }
            if (now.Pointer is { } pointer && pointer.Live == next.Live && pointer.History.LastOrDefault() == next.History[^1])
            {
                log.Warning("Writing the live pointer reported {Error}, but the pointer reads back as this flip: it landed", e.Message);
                return true;
            }
            throw;
        }
    }
}
