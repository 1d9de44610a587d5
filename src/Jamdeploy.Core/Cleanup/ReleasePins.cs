using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;

namespace Jamdeploy.Cleanup;

/// <summary>
/// Pins keep a release through every cleanup. A pin is an object under <c>pins/</c>: its key is the
/// truth (cleanup reads only keys, so an unreadable pin still pins); its body tells people when and why.
/// </summary>
public sealed class ReleasePins(IObjectStore store, TimeProvider clock)
{
    /// <summary>Told when the store lease is held by someone else (a cleanup deleting releases), before waiting for it.</summary>
    public Action<LeaseDocument>? WaitingForLease { get; init; }

    /// <summary>
    /// Pins a release that exists. Pinning twice is harmless: the newer note wins. Under the store lease, so
    /// a cleanup cannot delete the release between the check and the pin (ReleaseLease).
    /// </summary>
    public async Task PinAsync(ReleaseId release, string? note, CancellationToken cancellationToken)
    {
        var releases = new ReleaseStore(store);
        // Read, not just looked for: a release whose manifest is unreadable or names another release is
        // refused here as promote refuses it. A mistake writes nothing, not even the lease.
        await releases.ReadRequestedManifestAsync(release, cancellationToken);
        await using var lease = await ReleaseLease.AcquireAsync(store, clock, $"pin {release}", ReleaseLease.Wait, WaitingForLease, Serilog.Core.Logger.None, cancellationToken);
        await releases.RequireReleaseAsync(release, cancellationToken);
        await releases.WritePinAsync(new PinDocument(release, clock.GetUtcNow()) { Note = note }, cancellationToken);
    }

    /// <returns>False when the release was not pinned.</returns>
    public Task<bool> UnpinAsync(ReleaseId release, CancellationToken cancellationToken) =>
        new ReleaseStore(store).DeletePinAsync(release, cancellationToken);
}
