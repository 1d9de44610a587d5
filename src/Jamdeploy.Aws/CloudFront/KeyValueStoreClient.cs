using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Jamdeploy.Aws.Signing;
using Polly;
using Serilog;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// The three CloudFront KeyValueStore data-plane calls jamdeploy needs, over HttpClient and signed with SigV4A
/// (region set <c>*</c>), the only signature the service accepts. Wire format from botocore's model
/// (data/cloudfront-keyvaluestore/2022-07-26/service-2.json, protocol rest-json):
/// <list type="bullet">
/// <item>DescribeKeyValueStore: <c>GET /key-value-stores/{KvsARN}</c>; the store's version in the <c>ETag</c> header.</item>
/// <item>GetKey: <c>GET /key-value-stores/{KvsARN}/keys/{Key}</c> → <c>{"Key","Value","ItemCount","TotalSizeInBytes"}</c>; 404 ResourceNotFoundException when absent.</item>
/// <item>PutKey: <c>PUT /key-value-stores/{KvsARN}/keys/{Key}</c>, <c>If-Match: &lt;ETag&gt;</c>, body <c>{"Value": …}</c>; the new version in <c>ETag</c>; 409 ConflictException on a stale ETag.</item>
/// </list>
/// Both labels are single path segments, so the ARN's <c>:</c> and <c>/</c> travel percent-encoded. Errors: 400
/// ValidationException, 402 ServiceQuotaExceededException, 403 AccessDeniedException, 404, 409, 500
/// InternalServerException. Retries (bounded, Polly) cover throttling, 5xx and dropped connections; the rest
/// is the caller's decision.
/// </summary>
public sealed class KeyValueStoreClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _arn;
    private readonly ISigningCredentialsSource _credentials;
    private readonly ResiliencePipeline _retry;
    private readonly TimeSpan _requestTimeout;
    private readonly int _maxRetries;

    private KeyValueStoreClient(HttpClient http, KeyValueStoreOptions options, ISigningCredentialsSource credentials, ILogger log, TimeProvider time)
    {
        _http = http;
        _endpoint = options.ResolveEndpoint();
        _arn = options.Arn;
        _credentials = credentials;
        _requestTimeout = options.RequestTimeout;
        _maxRetries = options.MaxRetries;
        _retry = ApiRetry.Build<KeyValueStoreException>("KeyValueStore", e => e.IsTransient, options.MaxRetries, options.RetryBaseDelay, options.MaxRetryDelay, log, time);
    }

    /// <summary>
    /// A client whose requests are signed with SigV4A for the KeyValueStore. <paramref name="transport"/> is the
    /// handler below the signer (tests put a fault injector there); by default a plain <see cref="SocketsHttpHandler"/>.
    /// </summary>
    public static KeyValueStoreClient Create(KeyValueStoreOptions options, ISigningCredentialsSource credentials, TimeProvider time, ILogger log, HttpMessageHandler? transport = null)
    {
        var signer = SigV4SigningHandler.SigV4a(credentials, SigV4aSigner.AllRegions, KeyValueStoreOptions.SigningService, time);
        signer.InnerHandler = transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        return new KeyValueStoreClient(new HttpClient(signer) { Timeout = options.RequestTimeout }, options, credentials, log, time);
    }

    public string Arn => _arn;

    /// <summary>The store's current version (its ETag), which a write must name.</summary>
    public async Task<string> DescribeAsync(CancellationToken cancellationToken)
    {
        var (_, etag) = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url()), cancellationToken).ConfigureAwait(false);
        return etag ?? throw new KeyValueStoreException(HttpStatusCode.OK, "MissingETag", "DescribeKeyValueStore answered without an ETag");
    }

    /// <summary>The key's value, or null when the store has no such key.</summary>
    public async Task<string?> GetKeyAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var (body, _) = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url(key)), cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("Value", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw new KeyValueStoreException(HttpStatusCode.OK, "MalformedResponse", "GetKey answered without a Value");
        }
        catch (KeyValueStoreException e) when (e.Status == HttpStatusCode.NotFound && e.Code.Contains("ResourceNotFound", StringComparison.Ordinal))
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new KeyValueStoreException(HttpStatusCode.OK, "MalformedResponse", $"GetKey answered something that is not JSON ({e.Message})");
        }
    }

    /// <summary>Writes the key if the store is still at <paramref name="ifMatch"/>: the new version, or null when it moved on (409).</summary>
    public async Task<string?> PutKeyAsync(string key, string value, string ifMatch, CancellationToken cancellationToken)
    {
        var body = ValueBody(value);
        try
        {
            var (_, etag) = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, Url(key))
                {
                    Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
                };
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                return request;
            }, cancellationToken).ConfigureAwait(false);
            return etag ?? throw new KeyValueStoreException(HttpStatusCode.OK, "MissingETag", "PutKey answered without an ETag");
        }
        catch (KeyValueStoreException e) when (e.Status == HttpStatusCode.Conflict)
        {
            return null;
        }
    }

    /// <summary>Resolves the credentials requests will be signed with; throws <see cref="UsageException"/> when there are none.</summary>
    public async Task CheckCredentialsAsync(CancellationToken cancellationToken) => await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);

    public void Dispose() => _http.Dispose();

    private Uri Url(string? key = null)
    {
        var path = $"/key-value-stores/{Uri.EscapeDataString(_arn)}" + (key is null ? "" : $"/keys/{Uri.EscapeDataString(key)}");
        return new Uri(_endpoint, _endpoint.AbsolutePath.TrimEnd('/') + path);
    }

    private async Task<(string Body, string? ETag)> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async ct =>
            {
                using var request = create();
                using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(response, text, ct).ConfigureAwait(false);
                var tag = response.Headers.TryGetValues("ETag", out var values) ? values.FirstOrDefault() : null;
                return (text, tag);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout is a cancellation too; only the caller's may read as one (Ctrl+C, exit 130).
            throw KeyValueStoreException.NoAnswer(_endpoint, _requestTimeout, _maxRetries, e);
        }
        catch (HttpRequestException e) when (NetworkFaults.IsNameNotResolved(e))
        {
            throw KeyValueStoreException.NameNotResolved(_endpoint, e);
        }
    }

    private async Task<KeyValueStoreException> ReadErrorAsync(HttpResponseMessage response, string body, CancellationToken cancellationToken)
    {
        // rest-json: the type in x-amzn-ErrorType ("Name:namespace…" at times), or "__type" / "code" in the body.
        var code = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.First().Split(':')[0] : null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String) continue;
                    if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase)) message = property.Value.GetString();
                    else if (code is null && property.Name is "__type" or "code") code = property.Value.GetString()?.Split('#')[^1];
                }
            }
        }
        catch (JsonException) { }
        code ??= response.StatusCode.ToString();
        // A signature error can quote the canonical request back, and with it a session token: keep one safe line.
        message = code.Contains("Signature", StringComparison.Ordinal) || (message?.Contains("Canonical", StringComparison.OrdinalIgnoreCase) ?? false)
            ? "the request signature was not accepted (check the secret key and the clock)"
            : FirstLine(message ?? "");
        if (response.StatusCode == HttpStatusCode.Forbidden && (await _credentials.GetAsync(cancellationToken).ConfigureAwait(false)).SessionToken is not null)
        {
            message += "; with temporary credentials the KeyValueStore (SigV4A) needs STS version-2 session tokens: run "
                + "`aws iam set-security-token-service-preferences --global-endpoint-token-version v2Token` once in the account, "
                + "or get the credentials from a regional STS endpoint";
        }
        return new KeyValueStoreException(response.StatusCode, code, message);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim().TrimEnd('.');
        return line.Length <= 300 ? line : line[..300];
    }

    /// <summary>The body of a PutKey: <c>{"Value":"…"}</c>, escaped as the serializer escapes it.</summary>
    private static string ValueBody(string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("Value", value);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
