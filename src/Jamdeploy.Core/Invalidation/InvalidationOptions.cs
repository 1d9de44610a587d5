namespace Jamdeploy.Invalidation;

/// <summary>How the invalidation planner trades precision for path count. Bound from the <c>Cdn</c> config section.</summary>
public sealed record InvalidationOptions
{
    /// <summary>
    /// The most paths one flip may send before directories collapse into wildcards (and, failing that, the
    /// whole site into <c>/*</c>). CloudFront's first 1,000 paths a month are free, so a site deployed a few
    /// times a day stays free at about 100 paths a flip; every path beyond the free tier costs USD 0.005.
    /// </summary>
    public int MaxPaths { get; init; } = 100;

    /// <summary>
    /// A directory with at least this many changed paths, and no unchanged URL under it, becomes one
    /// <c>/dir/*</c> even below <see cref="MaxPaths"/>: one path instead of many, invalidating nothing extra.
    /// </summary>
    public int MinPathsForDirectoryWildcard { get; init; } = 10;

    /// <summary>The file a directory URL serves (<c>/a/</c> and <c>/a</c> serve <c>/a/index.html</c>).</summary>
    public string IndexDocument { get; init; } = "index.html";

    /// <summary>Whether <c>/page.html</c> is also served as <c>/page</c> (the edge's clean URLs).</summary>
    public bool CleanUrls { get; init; } = true;

    public CdnLimits Limits { get; init; } = CdnLimits.CloudFront;
}
