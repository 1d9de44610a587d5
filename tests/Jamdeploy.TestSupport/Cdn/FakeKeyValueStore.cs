using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jamdeploy.Aws.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jamdeploy.TestSupport.Cdn;

/// <summary>One request the fake answered (or refused), for counting requests per flip.</summary>
public sealed record KvsRequest(string Operation, int Status);

/// <summary>
/// A CloudFront KeyValueStore data plane over HTTP on loopback (Kestrel, port 0), for what no emulator offers:
/// DescribeKeyValueStore, GetKey and PutKey as the real service answers them (rest-json, ETag / If-Match, 409
/// ConflictException on a stale ETag, the key and value size limits), and a SigV4A check of EVERY request: the
/// canonical request is rebuilt from the raw request line and headers, and the ECDSA signature verified with the
/// public key derived from the test credentials (403 otherwise). Faults (status codes, dropped connections) and
/// pauses are a layer in front of the real handling. <c>GET /_test/keys/{key}</c> reads a value unsigned (for
/// emulators of the viewer function).
/// </summary>
public sealed class FakeKeyValueStore : IAsyncDisposable
{
    /// <summary>Limits from the CloudFront developer guide ("Quotas: CloudFront KeyValueStore").</summary>
    public const int MaxKeyBytes = 512;
    public const int MaxValueBytes = 1024;
    public const long MaxStoreBytes = 5 * 1024 * 1024;

    public static readonly SigningCredentials TestCredentials = new("AKIDKVSFAKE", "kvs-fake-secret/0123456789abcdefghijKLMN");

    private readonly WebApplication _app;
    private readonly SigningCredentials _credentials;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<KvsRequest> _requests = new();
    private readonly ConcurrentQueue<(string Operation, HttpStatusCode? Status, string Code)> _faults = new();
    private long _version = 1;

    private FakeKeyValueStore(WebApplication app, string arn, SigningCredentials credentials)
    {
        _app = app;
        Arn = arn;
        _credentials = credentials;
    }

    public string Arn { get; }

    public string Endpoint => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>The store's current version, as DescribeKeyValueStore and PutKey answer it.</summary>
    public string ETag { get { lock (_gate) return ETagOf(_version); } }

    public IReadOnlyList<KvsRequest> Requests => [.. _requests];

    /// <summary>Called after a request's signature checked out and before it is handled, with its operation; may wait.</summary>
    public Func<string, Task>? BeforeHandling { get; set; }

    public static async Task<FakeKeyValueStore> StartAsync(string arn = "arn:aws:cloudfront::123456789012:key-value-store/0f3e2d1c-jamdeploy-test", SigningCredentials? credentials = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeKeyValueStore(app, arn, credentials ?? TestCredentials);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    public string? Value(string key) { lock (_gate) return _keys.GetValueOrDefault(key); }

    /// <summary>Sets a key behind the API's back (as another writer would), moving the version.</summary>
    public void Set(string key, string value) { lock (_gate) { _keys[key] = value; _version++; } }

    /// <summary>The next request of <paramref name="operation"/> (or <c>*</c>) is answered with this error instead of being handled.</summary>
    public void FailNext(string operation, HttpStatusCode status, string code, int times = 1)
    {
        for (var i = 0; i < times; i++) _faults.Enqueue((operation, status, code));
    }

    /// <summary>The next request of <paramref name="operation"/> has its connection dropped without an answer.</summary>
    public void DropNext(string operation) => _faults.Enqueue((operation, null, ""));

    public int Count(string operation) => _requests.Count(r => r.Operation == operation);

    public void ClearRequests() => _requests.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string ETagOf(long version) => $"KV{version:D12}";

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var question = raw.IndexOf('?');
        var path = question < 0 ? raw : raw[..question];
        var query = question < 0 ? "" : raw[(question + 1)..];
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();

        if (context.Request.Method == "GET" && path.StartsWith("/_test/keys/", StringComparison.Ordinal))
        {
            var value = Value(Uri.UnescapeDataString(path["/_test/keys/".Length..]));
            if (value is null) { context.Response.StatusCode = 404; return; }
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(value, context.RequestAborted);
            return;
        }

        var operation = Operation(context.Request.Method, path, out var arn, out var key);
        if (VerifySignature(context.Request, path, query, body) is { } refusal)
        {
            await ErrorAsync(context, operation, HttpStatusCode.Forbidden, "InvalidSignatureException", refusal);
            return;
        }
        if (BeforeHandling is { } hook) await hook(operation);
        if (TakeFault(operation) is { } fault)
        {
            if (fault.Status is not { } status)
            {
                _requests.Enqueue(new KvsRequest(operation, 0));
                context.Abort();
                return;
            }
            await ErrorAsync(context, operation, status, fault.Code, "injected fault");
            return;
        }
        if (operation == "Unknown")
        {
            await ErrorAsync(context, operation, HttpStatusCode.NotFound, "UnknownOperationException", $"no operation {context.Request.Method} {path}");
            return;
        }
        if (arn != Arn)
        {
            await ErrorAsync(context, operation, HttpStatusCode.NotFound, "ResourceNotFoundException", "Key Value Store not found");
            return;
        }

        switch (operation)
        {
            case "DescribeKeyValueStore":
            {
                string etag; int count; long size;
                lock (_gate) (etag, count, size) = (ETagOf(_version), _keys.Count, TotalBytes());
                await JsonAsync(context, operation, etag, new { ItemCount = count, TotalSizeInBytes = size, KvsARN = Arn, Created = 1764400000, Status = "READY" });
                return;
            }
            case "GetKey":
            {
                string? value; int count; long size;
                lock (_gate) (value, count, size) = (_keys.GetValueOrDefault(key!), _keys.Count, TotalBytes());
                if (value is null) await ErrorAsync(context, operation, HttpStatusCode.NotFound, "ResourceNotFoundException", "Key not found");
                else await JsonAsync(context, operation, null, new { Key = key, Value = value, ItemCount = count, TotalSizeInBytes = size });
                return;
            }
            default: // PutKey
                await PutAsync(context, operation, key!, body);
                return;
        }
    }

    private async Task PutAsync(HttpContext context, string operation, string key, byte[] body)
    {
        string? value = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("Value", out var v) && v.ValueKind == JsonValueKind.String)
                value = v.GetString();
        }
        catch (JsonException) { }
        if (value is null)
        {
            await ErrorAsync(context, operation, HttpStatusCode.BadRequest, "ValidationException", "Value is required");
            return;
        }
        if (Encoding.UTF8.GetByteCount(key) is 0 or > MaxKeyBytes)
        {
            await ErrorAsync(context, operation, HttpStatusCode.BadRequest, "ValidationException", $"Key must be 1 to {MaxKeyBytes} bytes");
            return;
        }
        if (Encoding.UTF8.GetByteCount(value) > MaxValueBytes)
        {
            await ErrorAsync(context, operation, HttpStatusCode.BadRequest, "ValidationException", $"Value must be at most {MaxValueBytes} bytes");
            return;
        }
        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0)
        {
            await ErrorAsync(context, operation, HttpStatusCode.BadRequest, "ValidationException", "If-Match is required");
            return;
        }

        string etag; int count; long size;
        lock (_gate)
        {
            if (ifMatch != ETagOf(_version))
            {
                etag = "";
                count = -1;
                size = 0;
            }
            else
            {
                var previous = _keys.TryGetValue(key, out var old) ? Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(old) : 0;
                if (TotalBytes() - previous + Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value) > MaxStoreBytes)
                {
                    count = -2;
                    etag = "";
                    size = 0;
                }
                else
                {
                    _keys[key] = value;
                    _version++;
                    (etag, count, size) = (ETagOf(_version), _keys.Count, TotalBytes());
                }
            }
        }
        if (count == -1) await ErrorAsync(context, operation, HttpStatusCode.Conflict, "ConflictException", "Pre-Condition failed: the ETag does not match the current version");
        else if (count == -2) await ErrorAsync(context, operation, HttpStatusCode.PaymentRequired, "ServiceQuotaExceededException", "Key Value Store size limit exceeded");
        else await JsonAsync(context, operation, etag, new { ItemCount = count, TotalSizeInBytes = size });
    }

    private long TotalBytes() => _keys.Sum(p => (long)Encoding.UTF8.GetByteCount(p.Key) + Encoding.UTF8.GetByteCount(p.Value));

    private (string Operation, HttpStatusCode? Status, string Code)? TakeFault(string operation)
    {
        // Faults are taken in order; one for another operation stays queued.
        if (_faults.TryPeek(out var next) && (next.Operation == "*" || next.Operation == operation) && _faults.TryDequeue(out var taken)) return taken;
        return null;
    }

    private static string Operation(string method, string path, out string? arn, out string? key)
    {
        arn = key = null;
        var segments = path.Split('/');
        // "", "key-value-stores", arn [, "keys", key]
        if (segments.Length < 3 || segments[0] != "" || segments[1] != "key-value-stores") return "Unknown";
        arn = Uri.UnescapeDataString(segments[2]);
        if (segments.Length == 3 && method == "GET") return "DescribeKeyValueStore";
        if (segments.Length == 5 && segments[3] == "keys")
        {
            key = Uri.UnescapeDataString(segments[4]);
            return method switch { "GET" => "GetKey", "PUT" => "PutKey", _ => "Unknown" };
        }
        return "Unknown";
    }

    /// <summary>Null when the request carries a valid SigV4A signature for the test credentials; otherwise why not.</summary>
    private string? VerifySignature(HttpRequest request, string path, string query, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string prefix = SigV4aSigner.Algorithm + " ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal)) return "not signed with SigV4A (AWS4-ECDSA-P256-SHA256)";
        var parts = authorization[prefix.Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders) || !parts.TryGetValue("Signature", out var signature))
            return "the Authorization header lacks Credential, SignedHeaders or Signature";
        var scope = credential.Split('/');
        if (scope is not [var accessKey, var day, "cloudfront-keyvaluestore", "aws4_request"]) return "the credential scope is not <key>/<day>/cloudfront-keyvaluestore/aws4_request";
        if (accessKey != _credentials.AccessKeyId) return "unknown access key";

        var names = signedHeaders.Split(';');
        foreach (var required in new[] { "host", "x-amz-date", "x-amz-region-set" })
            if (!names.Contains(required)) return $"{required} is not signed";
        if (request.Headers["x-amz-region-set"].ToString() != SigV4aSigner.AllRegions) return "X-Amz-Region-Set must be *";
        var amzDate = request.Headers["x-amz-date"].ToString();
        if (amzDate.Length != 16 || !amzDate.StartsWith(day, StringComparison.Ordinal)) return "X-Amz-Date does not match the credential scope";
        if (_credentials.SessionToken is { } token && (!names.Contains("x-amz-security-token") || request.Headers["x-amz-security-token"].ToString() != token))
            return "the session token is missing or not signed";

        var headers = names.Select(n => KeyValuePair.Create(n, string.Join(',', request.Headers[n].ToArray())));
        var canonical = SigV4Canonical.Build(request.Method, path, query, headers, Convert.ToHexStringLower(SHA256.HashData(body)), doubleEncodePath: true);
        if (canonical.SignedHeaders != signedHeaders) return "SignedHeaders is not sorted lower-case names";
        var stringToSign = SigV4aSigner.StringToSign(amzDate, string.Join('/', scope[1..]), canonical.Text);
        return SigV4aSigner.Verify(_credentials, stringToSign, signature) ? null : "The request signature we calculated does not match the signature you provided";
    }

    private async Task ErrorAsync(HttpContext context, string operation, HttpStatusCode status, string code, string message)
    {
        _requests.Enqueue(new KvsRequest(operation, (int)status));
        context.Response.StatusCode = (int)status;
        context.Response.Headers["x-amzn-ErrorType"] = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { Message = message }), context.RequestAborted);
    }

    private async Task JsonAsync(HttpContext context, string operation, string? etag, object body)
    {
        _requests.Enqueue(new KvsRequest(operation, 200));
        if (etag is not null) context.Response.Headers.ETag = etag;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
