using System.Net;
using Jamdeploy.Model;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Jamdeploy.Edge;

/// <summary>What a bare directory URL (<c>/about</c>) and a slashed file URL (<c>/about/</c>) do.</summary>
public enum TrailingSlashPolicy
{
    /// <summary>One canonical URL per file: <c>/about</c> → 301 <c>/about/</c> for a folder index, <c>/about/</c> → 301 <c>/about</c> for <c>about.html</c>.</summary>
    Redirect,

    /// <summary>No redirects: both spellings serve the file (relative links inside a folder index may then break).</summary>
    Serve,
}

/// <summary>
/// The <c>Serve</c> configuration section: everything <c>jamdeploy serve</c> can be told, with the defaults
/// in one place. Bound from configuration; <see cref="Validate"/> turns a bad value into one clear line.
/// </summary>
public sealed record ServeOptions
{
    public const string SectionName = "Serve";

    /// <summary>Where Kestrel listens (semicolon-separated, as ASP.NET Core's <c>--urls</c>).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>How long the live pointer read is trusted before it is read again (a purge re-reads at once).</summary>
    public TimeSpan PointerTtl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The shared secret that <c>POST /_jamdeploy/purge</c> must carry as a bearer token; purge is off when empty.</summary>
    public string? PurgeToken { get; set; }

    public TrailingSlashPolicy TrailingSlash { get; set; } = TrailingSlashPolicy.Redirect;

    /// <summary>Longer decoded request paths are refused with 414 before any lookup.</summary>
    /// <remarks>Deploy refuses a file whose path is longer (the CloudFront edge's limit is the shipped default).</remarks>
    public int MaxPathLength { get; set; } = SitePaths.DefaultMaxLength;

    /// <summary>
    /// How many releases before the live one (from the pointer history) still answer for fingerprinted names
    /// that the live release no longer has, so a page loaded just before a flip still gets its own assets.
    /// </summary>
    public int AssetFallbackReleases { get; set; } = 3;

    /// <summary>How many release manifests stay parsed in memory (they are immutable, so only memory bounds this).</summary>
    public int ManifestCacheSize { get; set; } = 16;

    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>One log line per request (method, path, status, release, elapsed); off when the CDN's logs are enough.</summary>
    public bool RequestLog { get; set; } = true;

    public CacheControlOptions CacheControl { get; set; } = new();

    public PreviewOptions Preview { get; set; } = new();

    public BlobCacheOptions BlobCache { get; set; } = new();

    /// <summary>Throws a <see cref="UsageException"/> naming the first bad setting.</summary>
    public ServeOptions Validate()
    {
        CheckUrls();
        if (PointerTtl < TimeSpan.Zero) throw Bad("PointerTtl", "must not be negative");
        if (MaxPathLength is < 16 or > 8192) throw Bad("MaxPathLength", "must be between 16 and 8192");
        if (AssetFallbackReleases is < 0 or > 100) throw Bad("AssetFallbackReleases", "must be between 0 and 100");
        if (ManifestCacheSize < 1) throw Bad("ManifestCacheSize", "must be at least 1");
        if (ShutdownTimeout < TimeSpan.Zero) throw Bad("ShutdownTimeout", "must not be negative");
        if (BlobCache.MaxBytes < 0) throw Bad("BlobCache:MaxBytes", "must not be negative");
        if (BlobCache.MaxBlobBytes < 0 || BlobCache.MaxBlobBytes > BlobCache.MaxBytes)
            throw Bad("BlobCache:MaxBlobBytes", "must be between 0 and BlobCache:MaxBytes");
        if (BlobCache.MaxDiskBytes < 0) throw Bad("BlobCache:MaxDiskBytes", "must not be negative");
        foreach (var (name, value) in new[] { ("Html", CacheControl.Html), ("Immutable", CacheControl.Immutable), ("Default", CacheControl.Default) })
            if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsControl)) throw Bad($"CacheControl:{name}", "must be a Cache-Control header value");
        try
        {
            _ = new Regex(CacheControl.FingerprintPattern, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw Bad("CacheControl:FingerprintPattern", $"is not a regular expression ({e.Message})");
        }
        if (!string.IsNullOrEmpty(Preview.HostSuffix) && (Preview.HostSuffix.StartsWith('.') || Preview.HostSuffix.Contains(':')))
            throw Bad("Preview:HostSuffix", "must be a host name without a leading dot or port, e.g. preview.example.com");
        return this;
    }

    /// <summary>
    /// Kestrel reads the addresses only when it starts, and then a typo is a stack trace, an https address needs a
    /// certificate serve never loads, and an unparsable port silently becomes a host name listening on every
    /// interface at port 80. So each address is checked here, as Kestrel will read it.
    /// </summary>
    private void CheckUrls()
    {
        const string expected = "expected http://<host>:<port>, ';'-separated (for example http://127.0.0.1:8080)";
        var urls = Urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (urls.Length == 0) throw Bad("Urls", $"(or --urls) is empty; {expected}");
        foreach (var url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                throw Bad("Urls", $"(or --urls) has '{url}', which is not an address to listen on; {expected}");
            }
            if (address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
                throw Bad("Urls", $"(or --urls) has '{url}': serve speaks plain HTTP (TLS belongs to the CDN or proxy in front); {expected}");
            if (!address.Scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || !IsHost(address) || address.Port is < 0 or > IPEndPoint.MaxPort)
                throw Bad("Urls", $"(or --urls) has '{url}', which is not an address to listen on; {expected}");
            if (address.PathBase.Length > 0)
                throw Bad("Urls", $"(or --urls) has '{url}' with a path; serve answers at the root of its address; {expected}");
        }
    }

    /// <summary>A host Kestrel binds as meant: a Unix socket, a wildcard, localhost, an IP or a DNS name (not, say, <c>127.0.0.1:abc</c>).</summary>
    private static bool IsHost(BindingAddress address) =>
        address.IsUnixPipe || address.Host is "*" or "+" || Uri.CheckHostName(address.Host.Trim('[', ']')) != UriHostNameType.Unknown;

    /// <summary>
    /// Whether any stored release is served by id: as <see cref="PreviewOptions.Enabled"/> says, and when it says
    /// nothing, only while every address serve listens on is loopback (the local preview: nobody else can reach it).
    /// </summary>
    public bool ServesPreviews() => Preview.Enabled ?? ListenAddresses().All(IsLoopback);

    /// <summary>The <see cref="Urls"/> one by one.</summary>
    public IEnumerable<string> ListenAddresses() => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A listen address only this machine can reach; a wildcard (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>) is not.</summary>
    public static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    private static UsageException Bad(string key, string why) => new($"configuration {SectionName}:{key} {why}");
}

/// <summary>
/// Cache-Control by rule. HTML and unfingerprinted names must revalidate, because the same URL serves new
/// bytes after a deploy; a fingerprinted name (<c>app.3f9a1c2e.js</c>) only ever names one content, so a
/// cache may keep it for a year. A <c>Cache-Control</c> header in the manifest entry wins over all three.
/// </summary>
public sealed record CacheControlOptions
{
    public string Html { get; set; } = "public, max-age=0, must-revalidate";

    public string Immutable { get; set; } = "public, max-age=31536000, immutable";

    public string Default { get; set; } = "public, max-age=0, must-revalidate";

    /// <summary>Matched against the file name: a dot or dash, 8+ hex digits, then the extension.</summary>
    public string FingerprintPattern { get; set; } = @"[.-][0-9a-f]{8,}\.[A-Za-z0-9]+$";
}

/// <summary>Serving any release by id, at <c>/_jamdeploy/releases/&lt;id&gt;/</c> and on <c>&lt;id&gt;.&lt;HostSuffix&gt;</c>.</summary>
public sealed record PreviewOptions
{
    /// <summary>
    /// Unset: on when serve listens on loopback only (a local preview), off otherwise, because previews expose
    /// releases that are not live to whoever reaches the server. True or false: so, wherever serve listens.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>With preview on, the host <c>&lt;release-id&gt;.&lt;HostSuffix&gt;</c> serves that release; <c>&lt;id&gt;.localhost</c> resolves to loopback in browsers.</summary>
    public string HostSuffix { get; set; } = "localhost";
}

/// <summary>
/// Blobs up to <see cref="MaxBlobBytes"/> are kept in memory (least recently used first out, at most
/// <see cref="MaxBytes"/> in all). Larger blobs are kept on disk under <see cref="Directory"/> when it is
/// set (at most <see cref="MaxDiskBytes"/>), and streamed from the store on every request when it is not.
/// Blobs are immutable, so a cached blob is never stale.
/// </summary>
public sealed record BlobCacheOptions
{
    public long MaxBytes { get; set; } = 256L << 20;

    public long MaxBlobBytes { get; set; } = 2L << 20;

    /// <summary>Where large blobs of a remote store are cached; <c>jamdeploy serve</c> uses the temp folder for an S3 store.</summary>
    public string? Directory { get; set; }

    public long MaxDiskBytes { get; set; } = 4L << 30;
}
