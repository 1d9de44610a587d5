namespace Jamdeploy.TestSupport.S3;

/// <summary>
/// moto checks <c>If-Match</c> / <c>If-None-Match</c> and then writes without a lock, so two racing conditional
/// writes can both pass; S3 applies a conditional write atomically. This layer, last before the network, lets
/// one conditional write at a time reach moto (in this process), as S3 would: what moto cannot do, not a
/// replacement for it. Every other request passes untouched, and a fault layer in front of it stalls or fails a
/// request before it gets here, so a stalled write never holds the others up.
/// </summary>
public sealed class AtomicConditionalWrites : DelegatingHandler
{
    private static readonly SemaphoreSlim OneAtATime = new(1);

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
        await OneAtATime.WaitAsync(cancellationToken);
        try
        {
            // moto answers once the write is done, so the next conditional write sees it.
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static bool IsConditionalWrite(HttpRequestMessage request) =>
        (request.Method == HttpMethod.Put || request.Method == HttpMethod.Post)
        && (request.Headers.Contains("If-Match") || request.Headers.Contains("If-None-Match"));
}
