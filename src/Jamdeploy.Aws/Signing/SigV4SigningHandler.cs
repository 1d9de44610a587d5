using System.Net.Http.Headers;

namespace Jamdeploy.Aws.Signing;

/// <summary>Signs one request with one algorithm (SigV4 or SigV4A) at one instant.</summary>
public delegate SigV4Signature RequestSigner(SigV4Request request, SigningCredentials credentials, DateTimeOffset at);

/// <summary>
/// Signs every request that passes through (header signing): adds X-Amz-Date, X-Amz-Security-Token for
/// temporary credentials, X-Amz-Region-Set for SigV4A, and Authorization. Signs host, content-type and every
/// x-amz-* header; leaves headers a proxy may rewrite (user-agent, content-length) out of the signature.
/// </summary>
public sealed class SigV4SigningHandler(ISigningCredentialsSource credentials, RequestSigner sign, TimeProvider time)
    : DelegatingHandler
{
    /// <summary>SigV4 for one region and service.</summary>
    public SigV4SigningHandler(ISigningCredentialsSource credentials, string region, string service, TimeProvider time)
        : this(credentials, (r, c, at) => SigV4Signer.Sign(r, c, region, service, at), time) { }

    /// <summary>SigV4A for a region set (<c>*</c> for all) and service.</summary>
    public static SigV4SigningHandler SigV4a(ISigningCredentialsSource credentials, string regionSet, string service, TimeProvider time) =>
        new(credentials, (r, c, at) => SigV4aSigner.Sign(r, c, regionSet, service, at), time);

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
        var signature = sign(
            new SigV4Request(request.Method.Method, uri.Authority, uri.AbsolutePath, uri.Query.TrimStart('?'), toSign, SigV4Signer.Sha256Hex(body)),
            creds, time.GetUtcNow());

        // Retries re-send the same message object: replace what a previous attempt set.
        request.Headers.Remove("X-Amz-Date");
        request.Headers.Remove("X-Amz-Security-Token");
        request.Headers.Remove(SigV4aSigner.RegionSetHeader);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", signature.AmzDate);
        if (creds.SessionToken is not null) request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", creds.SessionToken);
        if (signature.RegionSet is { } regionSet) request.Headers.TryAddWithoutValidation(SigV4aSigner.RegionSetHeader, regionSet);
        var space = signature.Authorization.IndexOf(' ');
        request.Headers.Authorization = new AuthenticationHeaderValue(signature.Authorization[..space], signature.Authorization[(space + 1)..]);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
