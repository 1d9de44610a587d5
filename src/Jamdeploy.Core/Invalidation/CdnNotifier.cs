using Jamdeploy.Cdn;
using Jamdeploy.Manifests;
using Serilog;

namespace Jamdeploy.Invalidation;

/// <summary>
/// The step after every flip (deploy, promote, rollback, and <c>jamdeploy invalidate</c>): plans which paths
/// changed between the release that was live and the one that is live now, and tells the CDN. Runs only
/// after the flip, so a failure here is reported as exit 3 with the new release live, never as a failed deploy.
/// </summary>
public sealed class CdnNotifier(ICdnInvalidator cdn, bool wait, ILogger log, InvalidationOptions? options = null)
{
    private readonly InvalidationOptions _options = options ?? new InvalidationOptions();

    public string CdnName => cdn.Name;

    public InvalidationOptions Options => _options;

    public InvalidationPlan Plan(Manifest? before, Manifest after) => InvalidationPlanner.Plan(before, after, _options);

    /// <summary>Before a flip: fails with a usage error (nothing changed) when the CDN could not be told afterwards.</summary>
    public Task CheckReadyAsync(CancellationToken cancellationToken) => cdn.CheckReadyAsync(cancellationToken);

    public async Task<InvalidationOutcome> NotifyAsync(Manifest? before, Manifest after, DateTimeOffset? flippedAt, CancellationToken cancellationToken)
    {
        var plan = Plan(before, after);
        if (plan.IsEmpty) return new InvalidationOutcome([], 0, true);
        log.Information("Invalidation plan for {Release} on {Cdn}: {PathCount} paths, {WildcardCount} wildcards, {BatchCount} batches ({Reason})",
            after.Id, cdn.Name, plan.Paths.Count, plan.WildcardCount, plan.Batches.Count, plan.Reason);
        try
        {
            var outcome = await cdn.InvalidateAsync(new InvalidationRequest(after.Id, plan.Paths, wait) { FlippedAt = flippedAt }, cancellationToken);
            log.Information("Invalidated {PathCount} paths on {Cdn} for {Release}", outcome.PathCount, cdn.Name, after.Id);
            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException and not AfterFlipException)
        {
            log.Error(e, "Invalidation on {Cdn} failed for {Release}", cdn.Name, after.Id);
            throw new InvalidationFailedException(after.Id, e.Message, e);
        }
    }
}
