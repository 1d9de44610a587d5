using Amazon.Runtime;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// The HttpClient the S3 client sends through, in production and tests alike: <see cref="SmallBodiesWithoutContinue"/>
/// in front of the store's transport (<see cref="Transport"/>), which the store's direct reads share.
/// </summary>
internal sealed class S3HttpClientFactory(HttpMessageHandler transport) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var pipeline = new SmallBodiesWithoutContinue { InnerHandler = transport };
        return new HttpClient(pipeline, disposeHandler: false) { Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(30) };
    }

    /// <summary>
    /// The network the store's requests leave through, built from the store's options: a connection pool of
    /// <see cref="S3StoreOptions.MaxConcurrentRequests"/>, redirects followed, the system's proxy settings; and, for
    /// tests, an interceptor (request counting, fault injection) between it and the network, so the interceptor sees
    /// what goes on the wire. The interceptor may be a chain (recording around fault injection): the network goes at its end.
    /// </summary>
    public static HttpMessageHandler Transport(S3StoreOptions options, DelegatingHandler? interceptor)
    {
        var network = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConcurrentRequests,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (interceptor is null) return network;
        var last = interceptor;
        while (last.InnerHandler is DelegatingHandler inner) last = inner;
        last.InnerHandler ??= network;
        return interceptor;
    }

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) =>
        "jamdeploy-s3-" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}

/// <summary>
/// Sends a body smaller than <see cref="Threshold"/> with its headers instead of after S3's <c>100 Continue</c>,
/// which the SDK waits for before every PUT and part: the wait is a round trip per request (with 50 ms to the
/// store, it doubles the time of a small PUT), while what it can save, sending a body the store refuses (a blob
/// another deploy stored first, an expired credential), costs less than that wait for a small body. The AWS SDK
/// for Go draws the same line.
/// </summary>
internal sealed class SmallBodiesWithoutContinue : DelegatingHandler
{
    public const long Threshold = 2 * S3StoreOptions.MiB;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.ExpectContinue == true && request.Content?.Headers.ContentLength < Threshold)
            request.Headers.ExpectContinue = false;
        return base.SendAsync(request, cancellationToken);
    }
}
