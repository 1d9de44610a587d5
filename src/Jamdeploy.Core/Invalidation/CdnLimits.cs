namespace Jamdeploy.Invalidation;

/// <summary>
/// What CloudFront accepts and what it costs (developer guide, "Invalidation quotas" and pricing): up to
/// 3,000 paths in progress per distribution, of which at most 15 wildcards; the first 1,000 paths a month
/// are free, every further one costs USD 0.005, and a wildcard counts as one path.
/// </summary>
public sealed record CdnLimits
{
    public static readonly CdnLimits CloudFront = new();

    public int MaxPathsPerBatch { get; init; } = 3000;
    public int MaxWildcardsPerBatch { get; init; } = 15;
    public int FreePathsPerMonth { get; init; } = 1000;
    public decimal PricePerPathUsd { get; init; } = 0.005m;
}
