using System.Net;
using System.Security.Cryptography;
using Jamdeploy.Aws.Signing;
using Serilog;

namespace Jamdeploy.Aws.S3;

/// <summary>What a direct read settled: the object, no object, or nothing (the SDK reads it instead).</summary>
internal enum DirectReadOutcome { Found, Missing, Unsettled }

/// <summary>The answer of one direct read; <see cref="Content"/> and <see cref="ETag"/> only when found.</summary>
internal sealed record DirectReadResult(DirectReadOutcome Outcome, byte[]? Content = null, string? ETag = null)
{
    public static readonly DirectReadResult Missing = new(DirectReadOutcome.Missing);
    public static readonly DirectReadResult Unsettled = new(DirectReadOutcome.Unsettled);
}

/// <summary>
/// A whole-object GET signed with our own SigV4 over a plain HttpClient, so that the one read a no-op redeploy makes
/// (the live pointer) costs no AWS SDK client: building one (config, endpoint rules, credential chain, pipeline) and
/// JIT-compiling its request path took more of a fresh process's time than the read itself (issue #16). It runs only
/// where it is sure to address, sign and read exactly as <see cref="S3ClientFactory"/>'s client would: static
/// credentials in the environment, no profile, and an endpoint URL or a region known without reading profiles. It
/// settles a 200 (body and ETag, the body checked against a stored SHA-256) and a 404 NoSuchKey; every other answer,
/// a network error or a timeout leaves the read to the SDK, which has the retries and the error translation (a read
/// is safe to repeat). Neither the credentials nor the signed request are ever logged.
/// </summary>
internal sealed class S3DirectRead
{
    private const string EmptyPayloadSha256 = SigV4Request.EmptyPayloadSha256;

    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly bool _pathStyle;
    private readonly S3StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private S3DirectRead(HttpMessageHandler transport, SigningCredentials credentials, string region, Uri baseUri, bool pathStyle,
        S3StoreOptions options, TimeProvider time, ILogger logger)
    {
        var signing = new SigV4SigningHandler(new Static(credentials), region, "s3", time) { InnerHandler = transport };
        _http = new HttpClient(signing, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _base = baseUri;
        _pathStyle = pathStyle;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// A direct reader when the SDK's client would certainly sign with the environment's static credentials and
    /// address the bucket as this reader does; otherwise null, and every read goes through the SDK.
    /// </summary>
    /// <param name="environment">The process environment (a parameter so tests need not change their own).</param>
    public static S3DirectRead? TryCreate(S3StoreOptions options, Func<string, string?> environment, HttpMessageHandler transport, TimeProvider time, ILogger logger)
    {
        // The SDK's chain (v4) takes these before any profile; a named profile is read through the SDK.
        if (options.Profile is not null || !string.IsNullOrEmpty(environment("AWS_PROFILE"))) return null;
        var accessKey = environment("AWS_ACCESS_KEY_ID");
        var secret = environment("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secret)) return null;
        var token = environment("AWS_SESSION_TOKEN");
        var credentials = new SigningCredentials(accessKey, secret, string.IsNullOrEmpty(token) ? null : token);

        var endpoint = S3ClientFactory.ResolveEndpoint(options, environment);
        if (endpoint is not null)
        {
            // As S3ClientFactory sets the client up: path-style unless told otherwise, the region signed with as given.
            if (options.ForcePathStyle == false) return null;
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0) return null;
            var region = options.Region ?? NonEmpty(environment("AWS_REGION")) ?? S3ClientFactory.DefaultCustomEndpointRegion;
            return new S3DirectRead(transport, credentials, region, uri, pathStyle: true, options, time, logger);
        }

        // AWS itself: only the plain regional endpoint of the commercial partition, which is what the SDK's endpoint
        // rules give unless a profile or a variable asks for FIPS, dual-stack or acceleration.
        var awsRegion = options.Region ?? NonEmpty(environment("AWS_REGION"));
        if (awsRegion is null || !IsCommercialRegion(awsRegion)) return null;
        if (IsTrue(environment("AWS_USE_FIPS_ENDPOINT")) || IsTrue(environment("AWS_USE_DUALSTACK_ENDPOINT"))) return null;
        var pathStyle = options.ForcePathStyle == true;
        var bucket = options.Location.Bucket;
        // A bucket with a dot cannot be a host name under the wildcard certificate: the SDK addresses it its own way.
        if (bucket.Contains('.')) return null;
        var host = pathStyle ? $"s3.{awsRegion}.amazonaws.com" : $"{bucket}.s3.{awsRegion}.amazonaws.com";
        return new S3DirectRead(transport, credentials, awsRegion, new Uri($"https://{host}/"), pathStyle, options, time, logger);
    }

    /// <summary>Reads a whole object (its full key) once; anything but a 200 or a 404 NoSuchKey is <see cref="DirectReadOutcome.Unsettled"/>.</summary>
    public async Task<DirectReadResult> GetAsync(string objectKey, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url(objectKey));
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", EmptyPayloadSha256);
            // As the SDK asks by default: the stored checksum comes back, and the body is checked against it.
            request.Headers.TryAddWithoutValidation("x-amz-checksum-mode", "ENABLED");
            request.Headers.UserAgent.ParseAdd(UserAgent);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK) return Found(objectKey, response, body);
            if (response.StatusCode == HttpStatusCode.NotFound && IsNoSuchKey(body)) return DirectReadResult.Missing;
            _logger.Debug("Direct GET {Key} answered {Status}: reading it through the S3 client", objectKey, (int)response.StatusCode);
            return DirectReadResult.Unsettled;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
        {
            _logger.Debug("Direct GET {Key} failed ({Error}): reading it through the S3 client", objectKey, e.GetType().Name);
            return DirectReadResult.Unsettled;
        }
    }

    /// <summary>What S3 logs of this reader: the tool, not a disguise as the SDK.</summary>
    internal static readonly string UserAgent = "jamdeploy/" + (typeof(S3DirectRead).Assembly.GetName().Version?.ToString(3) ?? "0");

    /// <summary>The object's URL as the SDK's endpoint rules give it: each key segment RFC 3986-encoded, <c>/</c> kept.</summary>
    internal Uri Url(string objectKey)
    {
        var path = string.Join('/', objectKey.Split('/').Select(SigV4Canonical.UriEncode));
        return new Uri(_base, _pathStyle ? $"/{SigV4Canonical.UriEncode(_options.Location.Bucket)}/{path}" : "/" + path);
    }

    private DirectReadResult Found(string objectKey, HttpResponseMessage response, byte[] body)
    {
        var etag = response.Headers.TryGetValues("ETag", out var tags) ? tags.FirstOrDefault() : null;
        if (etag is null) return Unsettled(objectKey, "no ETag");
        if (response.Headers.TryGetValues("x-amz-checksum-sha256", out var sums))
        {
            var stored = sums.First();
            // A composite checksum (of parts, "…-N") checks no whole body; the SDK decides what it does with one.
            if (stored.Contains('-')) return Unsettled(objectKey, "a composite checksum");
            if (stored != Convert.ToBase64String(SHA256.HashData(body))) return Unsettled(objectKey, "a body that does not match its checksum");
        }
        else if (response.Headers.Any(h => h.Key.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("x-amz-checksum-type", StringComparison.OrdinalIgnoreCase)))
        {
            // Another algorithm (an object written by another tool): the SDK checks it.
            return Unsettled(objectKey, "a checksum other than SHA-256");
        }
        else if (IsMd5Shaped(etag) && !Convert.ToHexStringLower(MD5.HashData(body)).Equals(etag.Trim('"'), StringComparison.OrdinalIgnoreCase))
        {
            // No checksum stored: the SDK then checks the body against an ETag shaped like its MD5 (that of a single-part,
            // unencrypted or SSE-S3 object). One that is not its MD5 (SSE-KMS) is left to the SDK, which knows the cases.
            return Unsettled(objectKey, "a body that does not match its ETag");
        }
        return new DirectReadResult(DirectReadOutcome.Found, body, etag);
    }

    private DirectReadResult Unsettled(string objectKey, string why)
    {
        _logger.Debug("Direct GET {Key} answered with {Why}: reading it through the S3 client", objectKey, why);
        return DirectReadResult.Unsettled;
    }

    private static bool IsMd5Shaped(string etag) =>
        etag.Trim('"') is { Length: 32 } hex && hex.All(char.IsAsciiHexDigit);

    /// <summary>S3's error document for a missing key (a missing bucket is also a 404, and goes to the SDK for its message).</summary>
    private static bool IsNoSuchKey(byte[] body) =>
        body.AsSpan().IndexOf("<Code>NoSuchKey</Code>"u8) >= 0;

    /// <summary><c>us-east-1</c>, <c>ap-southeast-2</c>: three parts (GovCloud and ISO regions have four), not China's.</summary>
    private static bool IsCommercialRegion(string region) =>
        region.Split('-') is [var area, var direction, var number]
        && area.Length == 2 && area != "cn" && area.All(char.IsAsciiLetterLower)
        && direction.Length > 0 && direction.All(char.IsAsciiLetterLower)
        && number.Length is 1 or 2 && number.All(char.IsAsciiDigit);

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed class Static(SigningCredentials credentials) : ISigningCredentialsSource
    {
        public ValueTask<SigningCredentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credentials);
    }
}
