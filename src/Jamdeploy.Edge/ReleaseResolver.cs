using Jamdeploy.Manifests;

namespace Jamdeploy.Edge;

/// <summary>What one request path means inside one release.</summary>
public abstract record Resolution
{
    private Resolution() { }

    /// <summary>Serve this manifest path's blob.</summary>
    public sealed record File(string Path, ManifestEntry Entry) : Resolution;

    /// <summary>301 to the canonical spelling of the URL (a site path; the caller keeps the query).</summary>
    public sealed record Redirect(string Location) : Resolution;

    /// <summary>404, with the release's <c>404.html</c> as the body when it has one.</summary>
    public sealed record NotFound(ManifestEntry? Page) : Resolution;
}

/// <summary>
/// Path → manifest entry, redirect or 404, through exactly one release's files (invariant 2: whatever
/// the answer, it comes from one manifest). Pure: no I/O, so the whole URL table is unit-tested.
/// </summary>
public static class ReleaseResolver
{
    public const string IndexDocument = "index.html";
    public const string NotFoundDocument = "/404.html";
    private const string HtmlSuffix = ".html";

    /// <param name="files">The release's files keyed by URL path (as in the manifest).</param>
    /// <param name="path">A decoded request path that <see cref="RequestTarget"/> accepted.</param>
    public static Resolution Resolve(IReadOnlyDictionary<string, ManifestEntry> files, string path, TrailingSlashPolicy policy)
    {
        if (path.EndsWith('/'))
        {
            if (files.TryGetValue(path + IndexDocument, out var index)) return new Resolution.File(path + IndexDocument, index);
            if (path.Length > 1)
            {
                // "/about/" when the site has "/about.html" (or an extensionless "/about"): the file URL is canonical.
                var bare = path[..^1];
                if (files.TryGetValue(bare, out var exact)) return Choose(policy, bare, bare, exact);
                if (files.TryGetValue(bare + HtmlSuffix, out var page)) return Choose(policy, bare, bare + HtmlSuffix, page);
            }
            return NotFound(files);
        }

        if (files.TryGetValue(path, out var file)) return new Resolution.File(path, file);
        if (files.TryGetValue(path + HtmlSuffix, out var clean)) return new Resolution.File(path + HtmlSuffix, clean);
        if (files.TryGetValue(path + "/" + IndexDocument, out var folderIndex))
            return Choose(policy, path + "/", path + "/" + IndexDocument, folderIndex);
        return NotFound(files);
    }

    /// <summary>
    /// The file a rewrite or 404 rule's target serves: the exact file, its clean URL or its folder index, never a
    /// redirect; null when the release has none.
    /// </summary>
    public static Resolution.File? Target(IReadOnlyDictionary<string, ManifestEntry> files, string path) =>
        Resolve(files, path, TrailingSlashPolicy.Serve) as Resolution.File;

    private static Resolution Choose(TrailingSlashPolicy policy, string canonicalUrl, string filePath, ManifestEntry entry) =>
        policy == TrailingSlashPolicy.Redirect ? new Resolution.Redirect(canonicalUrl) : new Resolution.File(filePath, entry);

    private static Resolution.NotFound NotFound(IReadOnlyDictionary<string, ManifestEntry> files) =>
        new(files.TryGetValue(NotFoundDocument, out var page) ? page : null);
}
