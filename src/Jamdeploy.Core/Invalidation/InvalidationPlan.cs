namespace Jamdeploy.Invalidation;

/// <summary>
/// What the CDN must forget for one flip: the files that changed, the CDN paths that cover them (encoded,
/// wildcards ending in <c>*</c>), the batches they are sent in, and why the paths look the way they do.
/// </summary>
public sealed record InvalidationPlan(
    IReadOnlyList<string> ChangedFiles,
    IReadOnlyList<string> Paths,
    IReadOnlyList<InvalidationBatch> Batches,
    string Reason)
{
    public static InvalidationPlan Nothing { get; } = new([], [], [], "no file changed");

    public bool IsEmpty => Paths.Count == 0;

    public int WildcardCount => Paths.Count(CdnPath.IsWildcard);

    /// <summary>
    /// The price if the month's free paths are already used up (a wildcard counts as one path); the first
    /// <see cref="CdnLimits.FreePathsPerMonth"/> paths of a month cost nothing.
    /// </summary>
    public decimal WorstCaseCostUsd(CdnLimits limits) => Paths.Count * limits.PricePerPathUsd;
}
