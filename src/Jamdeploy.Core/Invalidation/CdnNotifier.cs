using Jamdeploy.Cdn;
using Jamdeploy.Manifests;
using Jamdeploy.Releases;
using Serilog;

namespace Jamdeploy.Invalidation;

/// <summary>
/// The steps after every flip (deploy, promote, rollback): with an <see cref="Edge"/> pointer (serverless
/// CloudFront), brings it to what <c>live.json</c> names; then plans which paths changed between the release
/// that was live and the one that is live now, and tells the CDN. Runs only after the flip, so a failure here
/// is reported as exit 3 (or 130 on Ctrl+C) with the new release live, never as a failed deploy.
/// <c>jamdeploy invalidate</c> uses <see cref="InvalidateAsync"/> alone: the edge pointer is <c>sync-edge</c>'s.
/// </summary>
public sealed class CdnNotifier(ICdnInvalidator cdn, bool wait, ILogger log, InvalidationOptions? options = null)
{
    private readonly InvalidationOptions _options = options ?? new InvalidationOptions();

    public string CdnName => cdn.Name;

    /// <summary>Whether a CDN is told after a flip (<c>Cdn:Provider</c> is not none); the edge pointer is apart.</summary>
    public bool Invalidates => cdn is not NoCdn;

    public InvalidationOptions Options => _options;

    /// <summary>The CDN's copy of the live pointer (a KeyValueStore key), when the configuration names one.</summary>
    public EdgePointerSync? Edge { get; init; }

    public InvalidationPlan Plan(Manifest? before, Manifest after) => InvalidationPlanner.Plan(before, after, _options);

    /// <summary>Before a flip: fails with a usage error (nothing changed) when the CDN could not be told afterwards.</summary>
    public async Task CheckReadyAsync(CancellationToken cancellationToken)
    {
        await cdn.CheckReadyAsync(cancellationToken);
        if (Edge is not null) await Edge.CheckReadyAsync(cancellationToken);
    }

    /// <summary>Before a flip, beside its reads: the edge pointer's version, so the edge is written in one request after it (null: no edge, or unread).</summary>
    public Task<string?> ReadEdgeVersionAsync(CancellationToken cancellationToken) =>
        Edge is null ? Task.FromResult<string?>(null) : Edge.TryReadVersionAsync(cancellationToken);

    /// <summary>
    /// For a deploy or promote that found its release already live (a CI retry after exit 3): brings a stale edge
    /// pointer to the live release, so the retry that exits 0 also leaves the edge right. Two reads when it already is.
    /// </summary>
    public async Task RepairEdgeAsync(Model.ReleaseId live, CancellationToken cancellationToken)
    {
        if (Edge is null) return;
        try
        {
            if ((await Edge.SyncAsync(cancellationToken)).Written) log.Warning("Edge pointer {Edge} was behind live.json; it names {Release} again", Edge.EdgeName, live);
        }
        catch (Exception e) when (!IsCallersCancellation(e, cancellationToken))
        {
            log.Debug(e, "Repairing the edge pointer {Edge} failed", Edge.EdgeName);
            throw new EdgePointerFailedException(live, Edge.EdgeName, e.Message, e);
        }
    }

    /// <summary>
    /// After the flip to <paramref name="after"/>: the edge pointer first (it is what makes the release visible at
    /// the edge), then the invalidation, which an edge failure does not skip. A failure of either is exit 3 naming
    /// every repair; Ctrl+C is exit 130 naming every step left undone.
    /// </summary>
    /// <param name="readBefore">
    /// The manifest of the release live before the flip (null: there was none), which the diff starts from. Read
    /// only when there is a CDN to tell: with none, a flip costs no read of it.
    /// </param>
    /// <param name="edgeVersion">The edge pointer's version read before the flip (<see cref="ReadEdgeVersionAsync"/>): one write instead of the sync loop.</param>
    public async Task<InvalidationOutcome> AfterFlipAsync(
        Func<CancellationToken, Task<Manifest?>> readBefore, Manifest after, DateTimeOffset? flippedAt, CancellationToken cancellationToken, string? edgeVersion = null)
    {
        var edgeLeft = Edge is not null;
        Exception? edgeFailure = null;
        try
        {
            if (Edge is not null)
            {
                try
                {
                    await (edgeVersion is null ? Edge.SyncAsync(cancellationToken) : Edge.AfterOwnFlipAsync(edgeVersion, after.Id, cancellationToken));
                    edgeLeft = false;
                }
                catch (Exception e) when (!IsCallersCancellation(e, cancellationToken))
                {
                    // The user reads the reason in the exit-3 line; the log keeps the exception.
                    log.Debug(e, "Writing the edge pointer {Edge} failed after {Release} went live", Edge.EdgeName, after.Id);
                    edgeFailure = e;
                }
            }
            InvalidationOutcome outcome;
            try
            {
                outcome = Invalidates
                    ? await InvalidateAsync(await ReadBeforeAsync(readBefore, after, cancellationToken), after, flippedAt, cancellationToken)
                    : InvalidationOutcome.None;
            }
            catch (InvalidationFailedException e) when (edgeFailure is not null)
            {
                throw new EdgePointerFailedException(after.Id, Edge!.EdgeName,
                    $"{edgeFailure.Message}; the CDN invalidation failed too ({e.InnerException?.Message ?? e.Message}: retry it with `jamdeploy invalidate --release {after.Id}`)", edgeFailure);
            }
            if (edgeFailure is not null) throw new EdgePointerFailedException(after.Id, Edge!.EdgeName, edgeFailure.Message, edgeFailure);
            return outcome;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // The invalidation is always left undone when Ctrl+C arrives here (it is the last step).
            var undone = new List<string>();
            if (edgeLeft) undone.Add("the edge pointer was not updated: run `jamdeploy sync-edge`");
            if (Invalidates) undone.Add($"the CDN was not invalidated: run `jamdeploy invalidate --release {after.Id}`");
            throw new CancelledAfterFlipException(after.Id, edgeLeft ? EdgePointerFailedException.Step : InvalidationFailedException.Step,
                undone.Count > 0 ? string.Join("; ", undone) : "nothing was left undone", e);
        }
    }

    /// <summary>
    /// The release live before the flip, for the diff. The flip has landed: a read that fails now (a store fault past
    /// its retries, a manifest gone or unreadable) must not turn it into a failure with "the live release unchanged",
    /// so the diff is then taken from nothing and the CDN forgets the whole site: more than needed, never less.
    /// </summary>
    private async Task<Manifest?> ReadBeforeAsync(Func<CancellationToken, Task<Manifest?>> readBefore, Manifest after, CancellationToken cancellationToken)
    {
        try
        {
            return await readBefore(cancellationToken);
        }
        catch (Exception e) when (e is JamdeployException or OperationCanceledException && !IsCallersCancellation(e, cancellationToken))
        {
            log.Warning("Could not read the release live before {Release} ({Error}); the CDN is told to forget the whole site", after.Id, e.Message);
            return null;
        }
    }

    /// <summary>Tells the CDN what changed between the two releases; <c>jamdeploy invalidate</c> alone, and after every flip.</summary>
    public async Task<InvalidationOutcome> InvalidateAsync(Manifest? before, Manifest after, DateTimeOffset? flippedAt, CancellationToken cancellationToken)
    {
        var plan = Plan(before, after);
        if (plan.IsEmpty) return InvalidationOutcome.None;
        log.Information("Invalidation plan for {Release} on {Cdn}: {PathCount} paths, {WildcardCount} wildcards, {BatchCount} batches ({Reason})",
            after.Id, cdn.Name, plan.Paths.Count, plan.WildcardCount, plan.Batches.Count, plan.Reason);
        try
        {
            var outcome = await cdn.InvalidateAsync(new InvalidationRequest(after.Id, plan.Paths, wait) { FlippedAt = flippedAt }, cancellationToken);
            log.Information("Invalidated {PathCount} paths on {Cdn} for {Release}", outcome.PathCount, cdn.Name, after.Id);
            return outcome;
        }
        catch (Exception e) when (e is not AfterFlipException && !IsCallersCancellation(e, cancellationToken))
        {
            log.Error(e, "Invalidation on {Cdn} failed for {Release}", cdn.Name, after.Id);
            throw new InvalidationFailedException(after.Id, e.Message, e);
        }
    }

    /// <summary>Ctrl+C, as opposed to a part's own timeout, which is a failure like any other.</summary>
    private static bool IsCallersCancellation(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && cancellationToken.IsCancellationRequested;
}
