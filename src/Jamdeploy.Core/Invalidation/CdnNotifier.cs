using Jamdeploy.Cdn;
using Jamdeploy.Manifests;
using Serilog;

namespace Jamdeploy.Invalidation;

/// <summary>
/// The step after every flip: tells the CDN which paths changed between the release that was live and
/// the one that is live now. Runs only after the flip, so a failure here is reported as exit 3 with the
/// new release live, never as a failed deploy.
/// </summary>
public sealed class CdnNotifier(ICdnInvalidator cdn, bool wait, ILogger log)
{
    public string CdnName => cdn.Name;

    public async Task<InvalidationOutcome> NotifyAsync(Manifest? before, Manifest after, CancellationToken cancellationToken)
    {
        var paths = InvalidationPlanner.ChangedPaths(before, after);
        if (paths.Count == 0) return new InvalidationOutcome([], 0, true);
        try
        {
            var outcome = await cdn.InvalidateAsync(new InvalidationRequest(after.Id, paths, wait), cancellationToken);
            log.Information("Invalidated {PathCount} paths on {Cdn} for {Release}", outcome.PathCount, cdn.Name, after.Id);
            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException and not InvalidationFailedException)
        {
            log.Error(e, "Invalidation on {Cdn} failed for {Release}", cdn.Name, after.Id);
            throw new InvalidationFailedException(after.Id, e.Message, e);
        }
    }
}
