using System.Net.Http.Headers;

namespace Jamdeploy.Aws.Signing;

/// <summary>
/// Signs every request that passes through with SigV4 (header signing): adds X-Amz-Date, X-Amz-Security-Token
/// for temporary credentials, and Authorization. Signs host, content-type and every x-amz-* header; leaves
/// headers a proxy may rewrite (user-agent, content-length) out of the signature.
/// </summary>
public sealed class SigV4SigningHandler(ISigningCredentialsSource credentials, string region, string service, TimeProvider time)
    : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("a request to sign needs an absolute URI");
        var body = request.Content is null
            ? []
            : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);

        var toSign = new List<KeyValuePair<string, string>>();
        if (request.Content?.Headers.ContentType is { } contentType)
            toSign.Add(new("content-type", contentType.ToString()));
        foreach (var (name, values) in request.Headers)
            if (name.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
                toSign.Add(new(name, string.Join(',', values)));

        var creds = await credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        var signature = SigV4Signer.Sign(
            new SigV4Request(request.Method.Method, uri.Authority, uri.AbsolutePath, uri.Query.TrimStart('?'), toSign, SigV4Signer.Sha256Hex(body)),
            creds, region, service, time.GetUtcNow());

        // Retries re-send the same message object: replace what a previous attempt set.
        request.Headers.Remove("X-Amz-Date");
        request.Headers.Remove("X-Amz-Security-Token");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", signature.AmzDate);
        if (creds.SessionToken is not null) request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", creds.SessionToken);
        request.Headers.Authorization = new AuthenticationHeaderValue(SigV4Signer.Algorithm, signature.Authorization[(SigV4Signer.Algorithm.Length + 1)..]);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
