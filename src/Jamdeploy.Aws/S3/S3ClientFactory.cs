using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// Builds the one <see cref="AmazonS3Client"/> a store uses: region, endpoint and addressing from the
/// options or the environment, credentials from the SDK's chain, and the SDK's own retries turned off
/// because <see cref="S3RetryPipeline"/> owns them: two retry layers would multiply (1+4 SDK tries times
/// 1+5 of ours is 30 requests for one object in a 503 storm), and a retry the store cannot see would hide
/// that a conditional write already landed.
/// </summary>
public static class S3ClientFactory
{
    /// <summary>The block a request body is copied to the connection in.</summary>
    public const int CopyBufferSize = 64 * 1024;

    /// <summary>The default region for a custom endpoint that names none (S3-compatible services accept any).</summary>
    public const string DefaultCustomEndpointRegion = "us-east-1";

    /// <param name="options">The store's settings.</param>
    /// <param name="interceptor">
    /// A handler placed in front of the network (request counting, fault injection); null in production.
    /// </param>
    /// <param name="credentials">Explicit credentials (an embedding program, tests); null uses the profile or the SDK's chain.</param>
    public static AmazonS3Client Create(S3StoreOptions options, DelegatingHandler? interceptor = null, AWSCredentials? credentials = null) =>
        Create(options, S3HttpClientFactory.Transport(options, interceptor), credentials);

    /// <param name="options">The store's settings.</param>
    /// <param name="transport">
    /// What the client's requests go out through (the interceptor, if any, and the network: <see cref="S3HttpClientFactory.Transport"/>),
    /// shared with the store's direct reads so both use one connection pool.
    /// </param>
    /// <param name="credentials">Explicit credentials; null uses the profile or the SDK's chain.</param>
    internal static AmazonS3Client Create(S3StoreOptions options, HttpMessageHandler transport, AWSCredentials? credentials)
    {
        var endpoint = ResolveEndpoint(options);
        var config = new AmazonS3Config
        {
            MaxErrorRetry = 0,
            // The SDK also resends, on its own and uncounted, a request whose connection reset (up to 10
            // times): a conditional write whose first send landed would then fail against itself unseen.
            MaxStaleConnectionRetries = 0,
            ForcePathStyle = options.ForcePathStyle ?? endpoint is not null,
            // Our per-attempt timeout (S3RetryPipeline) decides when a request is stalled; this is a backstop.
            Timeout = TimeSpan.FromMinutes(30),
            // The connection pool is the transport's (S3HttpClientFactory.Transport), sized by MaxConcurrentRequests.
            // The block a body is copied to the connection in (pooled, not per request): most site files in one
            // read rather than eight of the SDK's default 8 KiB.
            BufferSize = CopyBufferSize,
            // The checksum of every write is one we already computed (ObjectContent.Sha256), sent explicitly.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? DefaultCustomEndpointRegion;
        }
        else if (options.Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        if (options.Profile is not null) config.Profile = new Profile(options.Profile);
        // Settled once: left unset (no environment variable, no profile setting), the SDK looks the environment
        // variable up again for every request (measured: 5 % of the client's CPU samples in a first deploy).
        config.DisableMultiregionAccessPoints = config.DisableMultiregionAccessPoints;
        config.HttpClientFactory = new S3HttpClientFactory(transport);

        credentials ??= options.Profile is null ? null : ProfileCredentials(options.Profile);
        try
        {
            return credentials is null ? new StoreS3Client(config) : new StoreS3Client(credentials, config);
        }
        catch (AmazonClientException e) when (e.Message.Contains("RegionEndpoint", StringComparison.Ordinal))
        {
            throw new UsageException($"no AWS region is configured for {options.Location}: set AWS_REGION, S3:Region, or a region in the AWS profile", e);
        }
        catch (AmazonClientException e)
        {
            throw new UsageException($"cannot set up the S3 client for {options.Location}: {S3ErrorTranslator.OneLine(e.Message)}", e);
        }
    }

    /// <summary>The endpoint URL the client will use, or null for AWS itself.</summary>
    public static string? ResolveEndpoint(S3StoreOptions options) => ResolveEndpoint(options, Environment.GetEnvironmentVariable);

    internal static string? ResolveEndpoint(S3StoreOptions options, Func<string, string?> environment) =>
        NonEmpty(options.EndpointUrl)
        ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3"))
        ?? NonEmpty(environment("AWS_ENDPOINT_URL"));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static AWSCredentials ProfileCredentials(string profile)
    {
        var chain = new CredentialProfileStoreChain();
        if (!chain.TryGetAWSCredentials(profile, out var credentials))
            throw new UsageException($"the AWS profile '{profile}' was not found in the shared AWS config or credentials file");
        return credentials;
    }
}
