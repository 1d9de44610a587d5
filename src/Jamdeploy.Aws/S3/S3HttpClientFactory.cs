using Amazon.Runtime;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// The HttpClient the S3 client sends through, in production and tests alike: the SDK's own settings (a
/// connection pool of <see cref="IClientConfig.MaxConnectionsPerServer"/>, its redirects, proxy and connect
/// timeout), with <see cref="SmallBodiesWithoutContinue"/> in front and, for tests, an interceptor (request
/// counting, fault injection) between it and the network, so the interceptor sees what goes on the wire.
/// </summary>
/// <param name="interceptor">Put in front of a network built from the client's settings.</param>
/// <param name="transport">Or the whole way out, shared with the store's direct reads (<see cref="Transport"/>).</param>
internal sealed class S3HttpClientFactory(DelegatingHandler? interceptor, HttpMessageHandler? transport = null) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var next = transport ?? Pipeline(interceptor,
            Network(clientConfig.MaxConnectionsPerServer ?? int.MaxValue, clientConfig.AllowAutoRedirect, clientConfig.ConnectTimeout, clientConfig.GetWebProxy()));
        var pipeline = new SmallBodiesWithoutContinue { InnerHandler = next };
        return new HttpClient(pipeline, disposeHandler: false) { Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(30) };
    }

    /// <summary>
    /// The network the store's requests leave through, built from the store's options alone (no SDK config): the
    /// settings <see cref="S3ClientFactory"/> gives the SDK's client (a pool of <see cref="S3StoreOptions.MaxConcurrentRequests"/>,
    /// the SDK's default redirects, no proxy of its own), so direct reads and the client share one connection pool.
    /// </summary>
    public static HttpMessageHandler Transport(S3StoreOptions options, DelegatingHandler? interceptor) =>
        Pipeline(interceptor, Network(options.MaxConcurrentRequests, allowAutoRedirect: true, connectTimeout: null, proxy: null));

    /// <summary>The interceptor (which may be a chain: recording around fault injection) with the network at its end.</summary>
    private static HttpMessageHandler Pipeline(DelegatingHandler? interceptor, HttpMessageHandler network)
    {
        if (interceptor is null) return network;
        var last = interceptor;
        while (last.InnerHandler is DelegatingHandler inner) last = inner;
        last.InnerHandler ??= network;
        return interceptor;
    }

    private static SocketsHttpHandler Network(int maxConnections, bool allowAutoRedirect, TimeSpan? connectTimeout, System.Net.IWebProxy? proxy)
    {
        var network = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            AllowAutoRedirect = allowAutoRedirect,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (connectTimeout is { } timeout) network.ConnectTimeout = timeout;
        if (proxy is not null) network.Proxy = proxy;
        return network;
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
