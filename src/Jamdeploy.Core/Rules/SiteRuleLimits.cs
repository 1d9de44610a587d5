namespace Jamdeploy.Rules;

/// <summary>
/// What a site's rules may hold, enforced at deploy. The counts and line lengths are Cloudflare Pages' (2,000
/// redirects, 100 header rules, 2,000 characters a header line), so a site that deploys there deploys here; the
/// response size keeps every answer's rule headers under what proxies in front of an origin buffer by default
/// (nginx's proxy_buffer_size is 4 or 8 KiB for all the headers) and far under Lambda@Edge's limits.
/// </summary>
public static class SiteRuleLimits
{
    public const int MaxRedirects = 2_000;
    public const int MaxHeaderRules = 100;

    /// <summary>A header line (<c>Name: value</c>) of <c>_headers</c>, or a configured header's name and value with <c>": "</c>.</summary>
    public const int MaxHeaderLineLength = 2_000;

    /// <summary>A redirect's <c>from</c> and <c>to</c> together (Cloudflare Pages' 1,000 characters a line).</summary>
    public const int MaxRedirectLength = 1_000;

    /// <summary>The rule headers one answer may carry (<c>Name: value</c> and CRLF each), checked for every deployed file's URLs.</summary>
    public const int MaxHeaderBytesPerResponse = 8_192;
}
