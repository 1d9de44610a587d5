namespace Jamdeploy.Cdn;

/// <summary>
/// The live release as the CDN's edge reads it: a second, small pointer (a CloudFront KeyValueStore key) that
/// is a projection of <c>live.json</c>, never its source of truth. Written only with a version check, so a
/// writer that read an old state loses instead of overwriting a newer one.
/// </summary>
public interface IEdgePointer
{
    /// <summary>For messages: "CloudFront KeyValueStore arn:… key site:live".</summary>
    string Name { get; }

    /// <summary>Before a flip: fails with a usage error (nothing changed) when the pointer could not be written afterwards.</summary>
    Task CheckReadyAsync(CancellationToken cancellationToken);

    /// <summary>The store's current version, then the pointer's value under it (null when the key does not exist).</summary>
    Task<EdgePointerState> ReadAsync(CancellationToken cancellationToken);

    /// <summary>The store's current version alone: for a write that does not need the value first.</summary>
    async Task<string> ReadVersionAsync(CancellationToken cancellationToken) => (await ReadAsync(cancellationToken)).Version;

    /// <summary>Writes <paramref name="value"/> if the store is still at <paramref name="expectedVersion"/>; false when it moved on.</summary>
    Task<bool> TryWriteAsync(string value, string expectedVersion, CancellationToken cancellationToken);
}

/// <summary>What the edge pointer says, and the store version it was read at.</summary>
public sealed record EdgePointerState(string Version, string? Value);
