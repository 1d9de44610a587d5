using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Microsoft.AspNetCore.Http;

namespace Jamdeploy.Edge;

/// <summary>
/// The HTTP of one resolved file: the smallest stored form the client accepts (brotli, gzip or the bytes as they are,
/// see <see cref="ContentNegotiation"/>) with <c>Vary: Accept-Encoding</c> whenever the file has precompressed forms;
/// strong ETag from the hash of the bytes sent (the same bytes have the same tag in every release), 304 on
/// If-None-Match, single ranges of those bytes (206/416, If-Range), HEAD, Content-Type from the manifest,
/// Cache-Control by rule, the entry's extra headers.
/// </summary>
internal sealed class FileResponder(BlobReader blobs, CacheRules cacheRules)
{
    public const string ReleaseHeader = "X-Jamdeploy-Release";

    private static string ETagOf(ContentHash hash) => "\"" + hash.Hex + "\"";

    /// <param name="ruleHeaders">The site rules' headers for the URL asked for (<see cref="Rules.SiteRuleSet.HeadersFor"/>).</param>
    public async Task ServeAsync(HttpContext context, ReleaseId release, string path, ManifestEntry entry,
        IReadOnlyList<KeyValuePair<string, string>> ruleHeaders, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var response = context.Response;
        var headers = response.Headers;
        var sent = Negotiate(context, entry);
        var etag = ETagOf(sent.Hash);
        headers.ETag = etag;
        headers.CacheControl = cacheRules.For(path, entry, RuleCacheControl(ruleHeaders));
        headers[ReleaseHeader] = release.Value;
        AddRuleHeaders(headers, ruleHeaders);
        AddEntryHeaders(headers, entry);

        if (MatchesAny(request.Headers.IfNoneMatch, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        headers.AcceptRanges = "bytes";
        headers.ContentType = entry.ContentType;
        ByteRange? range = null;
        if (request.Headers.Range.Count > 0 && IfRangeHolds(request.Headers.IfRange, etag))
        {
            // A range of the bytes sent, the encoded ones too (as nginx's gzip_static does): the ETag names those bytes.
            switch (ByteRangeRequest.Evaluate(request.Headers.Range.ToString(), sent.Size, out var asked))
            {
                case RangeOutcome.Unsatisfiable:
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    headers.ContentRange = $"bytes */{sent.Size}";
                    headers.ContentEncoding = default;
                    headers.ContentType = default;
                    response.ContentLength = 0;
                    return;
                case RangeOutcome.Partial:
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    headers.ContentRange = $"bytes {asked.From}-{asked.To}/{sent.Size}";
                    range = asked;
                    break;
            }
        }

        response.ContentLength = range?.Length ?? sent.Size;
        if (HttpMethods.IsHead(request.Method) || response.ContentLength == 0) return;
        await blobs.WriteAsync(response, sent.Hash, sent.Size, range, cancellationToken);
    }

    /// <summary>The form to send; says so in Content-Encoding, and in Vary that the answer depends on Accept-Encoding.</summary>
    private static Representation Negotiate(HttpContext context, ManifestEntry entry)
    {
        if (entry.Encodings is not { Count: > 0 }) return new Representation(null, entry.Hash, entry.Size);
        var sent = ContentNegotiation.Choose(entry, context.Request.Headers.AcceptEncoding);
        var headers = context.Response.Headers;
        headers.Vary = "Accept-Encoding";
        if (sent.Coding is not null) headers.ContentEncoding = sent.Coding;
        return sent;
    }

    /// <summary>A body for an error status (the release's 404.html): no validators, no ranges.</summary>
    public async Task ServeErrorPageAsync(HttpContext context, ReleaseId release, int status, ManifestEntry page,
        IReadOnlyList<KeyValuePair<string, string>> ruleHeaders, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = RuleCacheControl(ruleHeaders) ?? cacheRules.Html;
        response.Headers[ReleaseHeader] = release.Value;
        AddRuleHeaders(response.Headers, ruleHeaders);
        response.ContentType = page.ContentType;
        var sent = Negotiate(context, page);
        response.ContentLength = sent.Size;
        if (HttpMethods.IsHead(context.Request.Method) || sent.Size == 0) return;
        await blobs.WriteAsync(response, sent.Hash, sent.Size, null, cancellationToken);
    }

    private static string? RuleCacheControl(IReadOnlyList<KeyValuePair<string, string>> ruleHeaders)
    {
        foreach (var (name, value) in ruleHeaders)
            if (name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    /// <summary>
    /// The site rules' headers (deploy refuses the reserved ones; skipped here too for a manifest written otherwise).
    /// One the edge set already (a preview's X-Robots-Tag) keeps its value and gets the rule's after it.
    /// </summary>
    private static void AddRuleHeaders(IHeaderDictionary headers, IReadOnlyList<KeyValuePair<string, string>> ruleHeaders)
    {
        foreach (var (name, value) in ruleHeaders)
        {
            if (IsServersOwn(name)) continue;
            headers[name] = headers.TryGetValue(name, out var set) && set.Count > 0 ? $"{set}, {value}" : value;
        }
    }

    private static void AddEntryHeaders(IHeaderDictionary headers, ManifestEntry entry)
    {
        if (entry.Headers is null) return;
        foreach (var (name, value) in entry.Headers)
            if (!IsServersOwn(name)) headers[name] = value;
    }

    // The headers a site may not set (SiteRulesParser.IsReserved, the one list: deploy refuses them in rules), and
    // Cache-Control, which CacheRules has already decided, a rule's or an entry's value included.
    private static bool IsServersOwn(string header) =>
        header.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase) || Rules.SiteRulesParser.IsReserved(header);

    /// <summary>If-None-Match uses the weak comparison: <c>W/"x"</c> matches <c>"x"</c>; <c>*</c> matches any.</summary>
    private static bool MatchesAny(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            if (value is null) continue;
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*") return true;
                var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
                if (tag == etag) return true;
            }
        }
        return false;
    }

    /// <summary>If-Range with our strong tag (a date or another tag means: send the whole, current body).</summary>
    private static bool IfRangeHolds(Microsoft.Extensions.Primitives.StringValues ifRange, string etag) =>
        ifRange.Count == 0 || ifRange.ToString() == etag;
}
