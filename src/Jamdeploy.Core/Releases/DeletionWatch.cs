using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Releases;

/// <summary>
/// How a deploy knows at its flip that no cleanup deleted anything its release needs since it looked at
/// the store (invariants 1 and 4, whatever cleanup's grace period). Cleanup deletes only under the store
/// lease, with its own token written into it as <see cref="LeaseDocument.LastCleanup"/>, and every later
/// holder carries that token on. A deploy reads the lease before it looks at which blobs are stored (by HEADs, a
/// listing, or a conditional write the store refuses because the blob is there), and
/// takes it for its flip: the same token, and no cleanup holding the lease at the first look, means nothing
/// was deleted in between, and nothing can be until the lease is given back after the flip. Otherwise the
/// deploy checks under the lease that its release is whole, and re-sends what is missing.
/// </summary>
public sealed class DeletionWatch
{
    private readonly LeaseSeen _seen;

    private DeletionWatch(LeaseSeen seen) => _seen = seen;

    /// <summary>One read of the lease; what the caller looks at in the store after it is covered.</summary>
    public static async Task<DeletionWatch> StartAsync(ReleaseStore releases, CancellationToken cancellationToken) =>
        new(new LeaseSeen(await releases.ReadLeaseAsync(cancellationToken)));

    /// <summary>
    /// Takes the lease: one conditional write when it is as first read and free. <see cref="WatchedLease.Undisturbed"/>
    /// says whether no cleanup can have deleted anything since <see cref="StartAsync"/>.
    /// </summary>
    public async Task<WatchedLease> TakeLeaseAsync(
        IObjectStore store, TimeProvider clock, string holder, TimeSpan wait, Action<LeaseDocument>? waiting, ILogger log, CancellationToken cancellationToken)
    {
        var lease = await ReleaseLease.AcquireAsync(store, clock, new LeaseClaim(holder, wait, waiting) { Seen = _seen }, log, cancellationToken);
        var first = _seen.Read;
        // A cleanup holding the lease at the first look may have been deleting then (or died doing so).
        var quietThen = first is null || first.Document is { HeldByCleanup: false };
        return new WatchedLease(lease, quietThen && lease.LastCleanup == first?.Document?.LastCleanup);
    }
}

/// <param name="Undisturbed">No cleanup can have deleted anything between the watch's start and now.</param>
public sealed record WatchedLease(ReleaseLease Lease, bool Undisturbed);
