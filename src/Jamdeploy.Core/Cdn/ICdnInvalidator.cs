using Jamdeploy.Model;

namespace Jamdeploy.Cdn;

/// <summary>The CDN port: tells the CDN in front of the site to forget paths.</summary>
public interface ICdnInvalidator
{
    /// <summary>For messages: "CloudFront E123…", "none".</summary>
    string Name { get; }

    /// <summary>
    /// Invalidates the paths for the release. Idempotent per (release, paths): a retry must never create
    /// a second invalidation. Throws on failure; the caller turns that into exit 3.
    /// </summary>
    Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Checks, before a flip, what would otherwise fail only after it (credentials, settings), so such a
    /// mistake is a usage error with nothing changed instead of exit 3. Makes no change at the CDN. No default:
    /// a wrapper that forgot to pass it on would skip the check.
    /// </summary>
    Task CheckReadyAsync(CancellationToken cancellationToken);
}

/// <summary>Paths already in CDN form (encoded, wildcards marked), planned by <c>InvalidationPlanner</c>.</summary>
public sealed record InvalidationRequest(ReleaseId Release, IReadOnlyList<string> Paths, bool Wait)
{
    /// <summary>
    /// When the pointer moved to <see cref="Release"/> (its pointer history entry). Part of the idempotency key:
    /// retrying the same flip reuses the CDN's invalidation, while flipping back to the same release later
    /// (rollback, then promote again) invalidates anew.
    /// </summary>
    public DateTimeOffset? FlippedAt { get; init; }
}

public sealed record InvalidationOutcome(IReadOnlyList<string> InvalidationIds, int PathCount, bool Completed)
{
    /// <summary>Nothing was sent: nothing to forget.</summary>
    public static readonly InvalidationOutcome None = new([], 0, true);
}

/// <summary>No CDN configured: nothing to forget.</summary>
public sealed class NoCdn : ICdnInvalidator
{
    public string Name => "none";

    public Task CheckReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(InvalidationOutcome.None);
}
