using System.Collections.Concurrent;

namespace Jamdeploy.TestSupport.S3;

/// <summary>
/// moto checks <c>If-Match</c> / <c>If-None-Match</c> and then writes without a lock, so two racing conditional
/// writes can both pass; S3 applies a conditional write atomically. This layer, last before the network, lets
/// one conditional write per key at a time reach moto (in this process), as S3 would: what moto cannot do, not a
/// replacement for it. S3's atomicity is per key, so writes to different keys (every blob upload carries
/// <c>If-None-Match: *</c>) still go in parallel. Every other request passes untouched, and a fault layer in front of it stalls or fails a
/// request before it gets here, so a stalled write never holds the others up.
/// </summary>
public sealed class AtomicConditionalWrites : DelegatingHandler
{
    // One lane per object: scheme, host and path, without the query (a multipart completion's ?uploadId
    // names the same object as its PUTs).
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> OneAtATimePerKey = new();

    /// <summary>Puts this layer at the end of <paramref name="interceptor"/>'s chain (or alone, with none).</summary>
    public static DelegatingHandler Around(DelegatingHandler? interceptor)
    {
        if (interceptor is null) return new AtomicConditionalWrites();
        var last = interceptor;
        while (last.InnerHandler is DelegatingHandler next) last = next;
        last.InnerHandler ??= new AtomicConditionalWrites();
        return interceptor;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!IsConditionalWrite(request)) return await base.SendAsync(request, cancellationToken);
        var oneAtATime = OneAtATimePerKey.GetOrAdd(request.RequestUri!.GetLeftPart(UriPartial.Path), _ => new SemaphoreSlim(1));
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            // moto answers once the write is done, so the next conditional write sees it.
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private static bool IsConditionalWrite(HttpRequestMessage request) =>
        (request.Method == HttpMethod.Put || request.Method == HttpMethod.Post)
        && (request.Headers.Contains("If-Match") || request.Headers.Contains("If-None-Match"));
}
