namespace Jamdeploy.Storage;

/// <summary>
/// What a writer killed in the middle of a write leaves in a store besides objects: the local store's temp
/// files. No reader or listing sees them, so cleanup removes them through this, once they are old enough that
/// no write can still be under way (a write touches its temp file all along, and renames it within seconds).
/// </summary>
public interface IAbandonedWrites
{
    /// <summary>The leftovers not written to since <paramref name="untouchedSince"/>.</summary>
    Task<IReadOnlyList<AbandonedWrite>> FindAbandonedWritesAsync(DateTimeOffset untouchedSince, CancellationToken cancellationToken);

    /// <summary>Removes those still untouched since <paramref name="untouchedSince"/>; returns the ones removed.</summary>
    Task<IReadOnlyList<AbandonedWrite>> RemoveAbandonedWritesAsync(IReadOnlyList<AbandonedWrite> writes, DateTimeOffset untouchedSince, CancellationToken cancellationToken);
}

/// <param name="Name">Where it is, relative to the store (<c>blobs/.tmp-…</c>).</param>
public sealed record AbandonedWrite(string Name, long Size, DateTimeOffset LastWritten);
