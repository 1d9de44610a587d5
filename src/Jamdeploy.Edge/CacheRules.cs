using System.Text.RegularExpressions;
using Jamdeploy.Manifests;

namespace Jamdeploy.Edge;

/// <summary>Which Cache-Control a served path gets (see <see cref="CacheControlOptions"/> for why).</summary>
public sealed class CacheRules(CacheControlOptions options)
{
    private readonly Regex _fingerprint = new(options.FingerprintPattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public string Html => options.Html;

    /// <summary>True for names that only ever name one content (<c>app.3f9a1c2e.js</c>).</summary>
    public bool IsFingerprinted(string path) => _fingerprint.IsMatch(FileName(path));

    /// <summary>The file's own Cache-Control, else a site rule's (<paramref name="ruleCacheControl"/>), else the default rule.</summary>
    public string For(string path, ManifestEntry entry, string? ruleCacheControl = null)
    {
        if (entry.Headers is { } headers)
            foreach (var (name, value) in headers)
                if (name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)) return value;
        if (ruleCacheControl is not null) return ruleCacheControl;
        if (IsHtml(entry.ContentType)) return options.Html;
        return IsFingerprinted(path) ? options.Immutable : options.Default;
    }

    private static bool IsHtml(string contentType) =>
        contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("application/xhtml+xml", StringComparison.OrdinalIgnoreCase);

    private static ReadOnlySpan<char> FileName(string path) => path.AsSpan(path.LastIndexOf('/') + 1);
}
