using Jamdeploy.Cdn;
using Jamdeploy.Model;
using Serilog;

namespace Jamdeploy.Releases;

/// <summary>The edge pointer against <c>live.json</c>: what each names, and whether this call wrote the edge.</summary>
public sealed record EdgeSyncResult(string Edge, ReleaseId? Live, string? EdgeValue, bool Written)
{
    public bool InSync => Live is { } live ? EdgeValue == live.Value : EdgeValue is null;

    /// <summary>When <see cref="Written"/>: what the edge named before.</summary>
    public string? Previous { get; init; }
}

/// <summary>
/// Makes the edge pointer name what <c>live.json</c> names (invariant 9), after every flip and for
/// <c>jamdeploy sync-edge</c>. The loop:
/// <code>
/// loop { read the edge's version and value FIRST; THEN read live.json;
///        equal → done; else write live.json's release with If-Match on that version; a conflict → again }
/// </code>
/// Why it converges with any number of racing commands: each writer reads the edge's version before it reads
/// <c>live.json</c>. A write succeeds only if no other write landed since that version was read, so the value
/// it carries was read from <c>live.json</c> after every earlier successful edge write, i.e. it is at least as
/// new as any flip that finished (and synced) before it. A writer holding an older view of <c>live.json</c>
/// loses on If-Match and re-reads. The naive "write my own target" does not hold: a deploy that flipped first
/// but writes the edge last would leave the edge naming a release that is no longer live.
/// </summary>
public sealed class EdgePointerSync(IEdgePointer edge, ReleaseStore releases, ILogger log)
{
    /// <summary>Each lost round means another writer succeeded meanwhile; this many in a row is not a race but a fault.</summary>
    public const int MaxRounds = 25;

    public string EdgeName => edge.Name;

    public Task CheckReadyAsync(CancellationToken cancellationToken) => edge.CheckReadyAsync(cancellationToken);

    public async Task<EdgeSyncResult> SyncAsync(CancellationToken cancellationToken)
    {
        for (var round = 1; round <= MaxRounds; round++)
        {
            var state = await edge.ReadAsync(cancellationToken);
            var live = (await releases.ReadLiveAsync(cancellationToken)).Live;
            if (live is null)
            {
                // Nothing was ever made live: there is nothing to project (and no value to write).
                return new EdgeSyncResult(edge.Name, null, state.Value, false);
            }
            if (state.Value == live.Value.Value) return new EdgeSyncResult(edge.Name, live, state.Value, false);
            if (await edge.TryWriteAsync(live.Value.Value, state.Version, cancellationToken))
            {
                log.Information("Edge pointer {Edge} now names {Release} (was {Before})", edge.Name, live, state.Value);
                return new EdgeSyncResult(edge.Name, live, live.Value.Value, true) { Previous = state.Value };
            }
            log.Information("Edge pointer {Edge} changed while writing {Release}; reading again (round {Round})", edge.Name, live, round);
        }
        throw new StoreException($"gave up after {MaxRounds} rounds: {edge.Name} kept changing while it was being written");
    }

    /// <summary>
    /// The edge's version, read before a flip (null when it could not be read: the flip goes ahead, and the sync
    /// after it takes the full loop). With it, the flip's own compare-and-swap of <c>live.json</c> is the read of
    /// <c>live.json</c> the loop needs after the version: the swap landed, so <c>live.json</c> named its release at an
    /// instant after the version was read. <see cref="AfterOwnFlipAsync"/> then writes in one request.
    /// </summary>
    public async Task<string?> TryReadVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await edge.ReadVersionAsync(cancellationToken);
        }
        catch (Exception e)
        {
            log.Debug(e, "Reading the version of {Edge} before the flip failed; the edge is synced after it", edge.Name);
            return null;
        }
    }

    /// <summary>After this command's own flip to <paramref name="live"/>, with the version read before it: one write, or the loop when another writer came between.</summary>
    public async Task<EdgeSyncResult> AfterOwnFlipAsync(string versionBeforeFlip, ReleaseId live, CancellationToken cancellationToken)
    {
        if (await edge.TryWriteAsync(live.Value, versionBeforeFlip, cancellationToken))
        {
            log.Information("Edge pointer {Edge} now names {Release}", edge.Name, live);
            return new EdgeSyncResult(edge.Name, live, live.Value, true);
        }
        log.Information("Edge pointer {Edge} changed since before the flip to {Release}; syncing it with live.json", edge.Name, live);
        return await SyncAsync(cancellationToken);
    }

    /// <summary>Both pointers as they are, for <c>status</c>; writes nothing.</summary>
    public async Task<EdgeSyncResult> CompareAsync(CancellationToken cancellationToken)
    {
        var state = await edge.ReadAsync(cancellationToken);
        var live = (await releases.ReadLiveAsync(cancellationToken)).Live;
        return new EdgeSyncResult(edge.Name, live, state.Value, false);
    }
}
