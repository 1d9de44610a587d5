namespace Jamdeploy.Invalidation;

/// <summary>One request's worth of CDN paths, within the CDN's per-request limits.</summary>
public sealed record InvalidationBatch(IReadOnlyList<string> Paths)
{
    public int WildcardCount => Paths.Count(CdnPath.IsWildcard);

    /// <summary>
    /// Splits paths, in order, into batches of at most <see cref="CdnLimits.MaxPathsPerBatch"/> paths and
    /// <see cref="CdnLimits.MaxWildcardsPerBatch"/> wildcards. Deterministic, so a retry of the same plan
    /// sends the same batches (and so the same caller references).
    /// </summary>
    public static IReadOnlyList<InvalidationBatch> Split(IReadOnlyList<string> paths, CdnLimits limits)
    {
        var batches = new List<InvalidationBatch>();
        var current = new List<string>();
        var wildcards = 0;
        foreach (var path in paths)
        {
            var isWildcard = CdnPath.IsWildcard(path);
            if (current.Count == limits.MaxPathsPerBatch || (isWildcard && wildcards == limits.MaxWildcardsPerBatch))
            {
                batches.Add(new InvalidationBatch(current));
                current = [];
                wildcards = 0;
            }
            current.Add(path);
            if (isWildcard) wildcards++;
        }
        if (current.Count > 0) batches.Add(new InvalidationBatch(current));
        return batches;
    }
}
