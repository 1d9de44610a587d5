using System.Security.Cryptography;
using System.Text;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Rules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Serilog;

namespace Jamdeploy.Edge;

/// <summary>
/// Every URL the edge answers, in one table. Everything under <c>/_jamdeploy/</c> belongs to the edge and is
/// never looked up in a release; the rest is the site.
/// </summary>
internal sealed class EdgeEndpoints(
    LiveReleaseCache releases,
    FileResponder files,
    CacheRules cacheRules,
    ServeOptions options,
    ILogger log)
{
    public const string ReservedPrefix = SitePaths.ReservedPrefix;
    public const string HealthPath = ReservedPrefix + "/health";
    public const string PurgePath = ReservedPrefix + "/purge";
    public const string PreviewPrefix = ReservedPrefix + "/releases";
    private const string NoStore = "no-store";
    private readonly ILogger _log = log.ForContext<EdgeEndpoints>();
    private readonly bool _previews = options.ServesPreviews();

    /// <summary>
    /// Every path under <see cref="ReservedPrefix"/> is the edge's own: health, purge, previews, else 404 (a
    /// site file there is never served). Every other path is the site: the hot path, with no routing step.
    /// </summary>
    public void Map(IApplicationBuilder app)
    {
        app.MapWhen(IsReserved, reserved => reserved.Run(ReservedAsync));
        app.Run(SiteAsync);
    }

    /// <summary>The route table of <see cref="ReservedPrefix"/> (case-insensitive, as URL routing is).</summary>
    private Task ReservedAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        var method = context.Request.Method;
        if (path.Equals(HealthPath, StringComparison.OrdinalIgnoreCase))
            return HttpMethods.IsGet(method) ? HealthAsync(context) : MethodNotAllowedAsync(context, HttpMethods.Get);
        if (path.Equals(PurgePath, StringComparison.OrdinalIgnoreCase))
            return HttpMethods.IsPost(method) ? PurgeAsync(context) : MethodNotAllowedAsync(context, HttpMethods.Post);
        if (path.StartsWith(PreviewPrefix + "/", StringComparison.OrdinalIgnoreCase) && path.Length > PreviewPrefix.Length + 1)
            return IsGetOrHead(context) ? PreviewAsync(context) : Task.CompletedTask;
        return PlainAsync(context, StatusCodes.Status404NotFound, "not found");
    }

    private static bool IsReserved(HttpContext context) => SitePaths.IsReserved(context.Request.Path.Value!);

    /// <summary>The first step of every request: the target is decoded and checked once, and the path set to the result.</summary>
    public async Task CheckTargetAsync(HttpContext context, RequestDelegate next)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        switch (RequestTarget.TryParse(raw, options.MaxPathLength, out var target))
        {
            case TargetRejection.TooLong:
                await PlainAsync(context, StatusCodes.Status414UriTooLong, "request path too long");
                return;
            case TargetRejection.BadRequest:
                await PlainAsync(context, StatusCodes.Status400BadRequest, "bad request path");
                return;
        }
        // From here on the path is the checked, decoded one; the query string stays as the client sent it.
        context.Request.Path = new PathString(target.Path);
        await next(context);
    }

    private async Task HealthAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = NoStore;
        try
        {
            var live = await releases.GetLiveAsync(context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new HealthReport("ok", live.Release?.Id.Value), EdgeJsonContext.Default.HealthReport, cancellationToken: context.RequestAborted);
        }
        catch (JamdeployException e)
        {
            _log.Warning("Health check: the store cannot be read: {Reason}", e.Message);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(new HealthReport("store unavailable", null), EdgeJsonContext.Default.HealthReport, cancellationToken: context.RequestAborted);
        }
    }

    private async Task PurgeAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = NoStore;
        if (string.IsNullOrEmpty(options.PurgeToken))
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, "not found");
            return;
        }
        if (!HoldsToken(context.Request, options.PurgeToken))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await PlainAsync(context, StatusCodes.Status401Unauthorized, "purge needs the shared token");
            return;
        }
        try
        {
            var live = await releases.RefreshNowAsync(context.RequestAborted);
            _log.Information("Purged: the live pointer was re-read, serving {Release}", live.Release?.Id.Value ?? "nothing");
            await context.Response.WriteAsJsonAsync(new PurgeReport(live.Release?.Id.Value), EdgeJsonContext.Default.PurgeReport, cancellationToken: context.RequestAborted);
        }
        catch (JamdeployException e)
        {
            _log.Error("Purge failed: the live pointer cannot be read: {Reason}", e.Message);
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable, "the live pointer cannot be read");
        }
    }

    private async Task SiteAsync(HttpContext context)
    {
        if (!IsGetOrHead(context)) return;
        var path = context.Request.Path.Value!;
        if (_previews && PreviewHostRelease(context.Request.Host.Host) is { } previewId)
        {
            await ServePreviewAsync(context, previewId, path, "");
            return;
        }
        try
        {
            var live = await releases.GetLiveAsync(context.RequestAborted);
            if (live.Release is null)
            {
                await PlainAsync(context, StatusCodes.Status503ServiceUnavailable, "no release is live yet");
                return;
            }
            await ServeFromAsync(context, live.Release, path, "", live);
        }
        catch (JamdeployException e)
        {
            _log.Error("Cannot serve {Path}: {Reason}", path, e.Message);
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable, "the site cannot be read from its store");
        }
    }

    /// <summary><c>/_jamdeploy/releases/&lt;id&gt;/&lt;site path&gt;</c>.</summary>
    private async Task PreviewAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        var idStart = PreviewPrefix.Length + 1;
        var idEnd = path.IndexOf('/', idStart);
        if (idEnd < 0) idEnd = path.Length;
        if (!_previews || !ReleaseId.TryParse(path[idStart..idEnd], out var id))
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, "not found");
            return;
        }
        var basePath = path[..idEnd];
        if (idEnd == path.Length)
        {
            await Redirect(context, basePath + "/");
            return;
        }
        await ServePreviewAsync(context, id, path[idEnd..], basePath);
    }

    private async Task ServePreviewAsync(HttpContext context, ReleaseId id, string path, string basePath)
    {
        context.Response.Headers["X-Robots-Tag"] = "noindex";
        try
        {
            var release = await releases.GetReleaseAsync(id, context.RequestAborted);
            if (release is null)
            {
                await PlainAsync(context, StatusCodes.Status404NotFound, "no such release");
                return;
            }
            await ServeFromAsync(context, release, path, basePath, live: null);
        }
        catch (JamdeployException e)
        {
            _log.Error("Cannot serve {Path} of {Release}: {Reason}", path, id.Value, e.Message);
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable, "the release cannot be read from its store");
        }
    }

    /// <summary>
    /// Resolves through one release, in the order the site rules contract gives: forced redirect rules, the release's
    /// files (and its trailing-slash redirects), with <paramref name="live"/> fingerprinted names of the releases live
    /// just before, the other redirect rules, then the 404 page. Rule headers are those of the path asked for.
    /// </summary>
    private async Task ServeFromAsync(HttpContext context, ServedRelease release, string path, string basePath, LiveState? live)
    {
        var ct = context.RequestAborted;
        var rules = release.Rules;
        if (rules.RedirectFor(path, forced: true) is { } forced)
        {
            await ApplyRuleAsync(context, release, forced, path, basePath);
            return;
        }
        switch (ReleaseResolver.Resolve(release.Files, path, options.TrailingSlash))
        {
            case Resolution.File file:
                await files.ServeAsync(context, release.Id, file.Path, file.Entry, rules.HeadersFor(path), ct);
                return;
            case Resolution.Redirect redirect:
                context.Response.Headers[FileResponder.ReleaseHeader] = release.Id.Value;
                await Redirect(context, basePath + redirect.Location);
                return;
            case Resolution.NotFound notFound:
                if (live is not null && cacheRules.IsFingerprinted(path))
                    await foreach (var previous in releases.PreviousReleasesAsync(live, ct))
                        if (previous.Files.TryGetValue(path, out var asset))
                        {
                            // The live release's rules: they say how the site is served now, whichever release holds the bytes.
                            await files.ServeAsync(context, previous.Id, path, asset, rules.HeadersFor(path), ct);
                            return;
                        }
                if (rules.RedirectFor(path, forced: false) is { } rule)
                {
                    await ApplyRuleAsync(context, release, rule, path, basePath);
                    return;
                }
                await NotFoundAsync(context, release, notFound.Page, path);
                return;
        }
    }

    /// <summary>A redirect rule: a redirect to its target, or its target's file served with 200 (rewrite) or 404.</summary>
    private async Task ApplyRuleAsync(HttpContext context, ServedRelease release, RedirectMatch match, string path, string basePath)
    {
        var response = context.Response;
        if (match.Rule.Status is StatusCodes.Status200OK or StatusCodes.Status404NotFound)
        {
            // The target is a file of the same release, looked up once: rules never apply again.
            var target = ReleaseResolver.Target(release.Files, match.SitePath!);
            var headers = release.Rules.HeadersFor(path);
            if (target is null)
                await NotFoundAsync(context, release, release.Files.GetValueOrDefault(ReleaseResolver.NotFoundDocument), path);
            else if (match.Rule.Status == StatusCodes.Status200OK)
                await files.ServeAsync(context, release.Id, target.Path, target.Entry, headers, context.RequestAborted);
            else
                await files.ServeErrorPageAsync(context, release.Id, StatusCodes.Status404NotFound, target.Entry, headers, context.RequestAborted);
            return;
        }
        response.Headers[FileResponder.ReleaseHeader] = release.Id.Value;
        var location = match.Url ?? new PathString(basePath + match.SitePath).ToUriComponent();
        var query = match.Query ?? (location.Contains('?') ? "" : context.Request.QueryString.Value);
        response.StatusCode = match.Rule.Status;
        response.Headers.CacheControl = cacheRules.Html;
        response.Headers.Location = location + query;
        response.ContentLength = 0;
    }

    private async Task NotFoundAsync(HttpContext context, ServedRelease release, ManifestEntry? page, string path)
    {
        if (page is not null)
            await files.ServeErrorPageAsync(context, release.Id, StatusCodes.Status404NotFound, page, release.Rules.HeadersFor(path), context.RequestAborted);
        else
            await PlainAsync(context, StatusCodes.Status404NotFound, "not found");
    }

    private Task Redirect(HttpContext context, string sitePath)
    {
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.CacheControl = cacheRules.Html;
        // Encoded, and always a path on this host: the path checks refuse "//", so this is never protocol-relative.
        context.Response.Headers.Location = new PathString(sitePath).ToUriComponent() + context.Request.QueryString.Value;
        // No body, said on HEAD as on GET: left unset, Kestrel would add the length to a GET only.
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static bool IsGetOrHead(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) return true;
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = "GET, HEAD";
        return false;
    }

    private static Task MethodNotAllowedAsync(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return PlainAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed");
    }

    /// <summary>A release id when the host is <c>&lt;id&gt;.&lt;HostSuffix&gt;</c>.</summary>
    private ReleaseId? PreviewHostRelease(string host)
    {
        var suffix = options.Preview.HostSuffix;
        if (string.IsNullOrEmpty(suffix) || host.Length <= suffix.Length + 1
            || !host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) || host[^(suffix.Length + 1)] != '.')
            return null;
        return ReleaseId.TryParse(host[..^(suffix.Length + 1)].ToLowerInvariant(), out var id) ? id : null;
    }

    private static bool HoldsToken(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    private static async Task PlainAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        // A file whose blob failed half-way: once its body has begun only the connection can say so; before
        // that, the headers it had set (ETag, Content-Length, caching) must not go out with the error.
        if (response.HasStarted)
        {
            context.Abort();
            return;
        }
        var robots = response.Headers["X-Robots-Tag"];
        response.Clear();
        if (robots.Count > 0) response.Headers["X-Robots-Tag"] = robots;
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = NoStore;
        context.Response.ContentType = "text/plain; charset=utf-8";
        // The length of the body a GET gets, on HEAD too (unset, a GET would be chunked and a HEAD say nothing).
        var body = Encoding.UTF8.GetBytes(message + "\n");
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method)) await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
