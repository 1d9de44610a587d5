using System.Net.Http.Headers;
using System.Net.Http.Json;
using Jamdeploy.Cdn;

namespace Jamdeploy.Edge;

/// <summary>
/// Tells every <c>jamdeploy serve</c> origin to re-read the live pointer now (<c>POST /_jamdeploy/purge</c>
/// with the shared token), and succeeds only when each origin answered that it serves the release that was
/// just made live. Used alone as the CDN of a local setup, or ahead of the real CDN through
/// <see cref="OriginsFirstInvalidator"/> so that no CDN invalidation completes before the origins serve the
/// new release (otherwise the CDN re-fetches and re-caches the old file from an origin that has not yet
/// re-read the pointer).
/// </summary>
public sealed class LocalEdgePurge : ICdnInvalidator
{
    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _origins;
    private readonly string _token;

    /// <param name="origins">The base address of each origin replica, e.g. <c>http://10.0.0.5:8080/</c>.</param>
    public LocalEdgePurge(HttpClient http, IReadOnlyList<Uri> origins, string token)
    {
        if (origins.Count == 0) throw new UsageException("edge purge needs at least one origin address");
        if (string.IsNullOrEmpty(token)) throw new UsageException("edge purge needs the shared purge token (Serve:PurgeToken)");
        _http = http;
        _origins = origins;
        _token = token;
    }

    // The addresses and token were checked when it was built; an origin that is down is found by the purge.
    public Task CheckReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public string Name => _origins.Count == 1 ? $"edge {_origins[0]}" : $"edge ({_origins.Count} origins)";

    public async Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_origins.Select(origin => PurgeAsync(origin, request, cancellationToken)));
        return new InvalidationOutcome([], request.Paths.Count, Completed: true);
    }

    private async Task PurgeAsync(Uri origin, InvalidationRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(origin, EdgeEndpoints.PurgePath.TrimStart('/')));
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidationFailedException(request.Release, $"origin {origin} could not be reached to purge ({e.Message})", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidationFailedException(request.Release, $"origin {origin} refused the purge ({(int)response.StatusCode} {response.ReasonPhrase})");
            var report = await response.Content.ReadFromJsonAsync(EdgeJsonContext.Default.PurgeReport, cancellationToken);
            if (report?.Live != request.Release.Value)
                throw new InvalidationFailedException(request.Release, $"origin {origin} serves {report?.Live ?? "nothing"} after the purge, not {request.Release}");
        }
    }
}

/// <summary>
/// The production order of invalidation: first every origin re-reads the pointer (and serves the new
/// release), then the CDN is told to forget. The other order lets the CDN re-cache old files.
/// </summary>
public sealed class OriginsFirstInvalidator(ICdnInvalidator origins, ICdnInvalidator cdn) : ICdnInvalidator
{
    public string Name => $"{cdn.Name} after {origins.Name}";

    public Task CheckReadyAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(origins.CheckReadyAsync(cancellationToken), cdn.CheckReadyAsync(cancellationToken));

    public async Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken)
    {
        await origins.InvalidateAsync(request, cancellationToken);
        return await cdn.InvalidateAsync(request, cancellationToken);
    }
}
