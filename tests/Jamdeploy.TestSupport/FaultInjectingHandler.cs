using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.TestSupport;

/// <summary>What goes wrong with one request.</summary>
public enum Fault
{
    /// <summary>500 InternalError without reaching the store.</summary>
    InternalError,
    /// <summary>503 SlowDown without reaching the store.</summary>
    SlowDown,
    /// <summary>503 ServiceUnavailable without reaching the server.</summary>
    ServiceUnavailable,
    /// <summary>400 Throttling without reaching the server (CloudFront's rate limit).</summary>
    Throttling,
    /// <summary>400 TooManyInvalidationsInProgress without reaching the server (CloudFront).</summary>
    TooManyInvalidationsInProgress,
    /// <summary>The connection resets before the store sees the request.</summary>
    ResetBeforeSend,
    /// <summary>The store handles the request, then the connection resets: the answer is lost.</summary>
    ResetAfterSend,
    /// <summary>
    /// The response never comes (until the client gives up). With a clock, the stall moves it past any
    /// per-attempt timeout, so the timeout under test fires at once while real requests never time out.
    /// </summary>
    Stall,
    /// <summary>One byte of the body flips on the way (the checksum must catch it).</summary>
    CorruptBody,
    /// <summary>403 AccessDenied.</summary>
    AccessDenied,
    /// <summary>400 AuthorizationHeaderMalformed: the bucket lives in another region.</summary>
    WrongRegion,
    /// <summary>403 InvalidAccessKeyId.</summary>
    BadCredentials,
    /// <summary>409 ConditionalRequestConflict: another conditional write to the key is under way.</summary>
    ConditionalConflict,
    /// <summary>Reaches the server, but the answer says the invalidation is still in progress (CloudFront).</summary>
    ReportInProgress,
}

/// <summary>
/// The one fault layer around a real client's HTTP (the S3 store's, the CloudFront client's below its
/// signer): decides per request whether and how it fails, so the same code path runs as in production. An
/// error is answered in the service's own error document (CloudFront's for its API paths, S3's otherwise).
/// It can also emulate S3's check of x-amz-checksum-sha256 (moto does not verify checksums), answering 400
/// BadDigest to a body that does not match, and it records the caller reference of every CloudFront
/// invalidation it passes (so a test can prove retries reused it).
/// </summary>
/// <param name="stallClock">
/// The fake clock the store's retry pipeline runs on, if any: a <see cref="Fault.Stall"/> then advances it
/// past every per-attempt timeout. Tests keep production timeouts and stall for ever instead of shrinking
/// the timeout to make a stall cheap, which fails healthy requests on a loaded machine.
/// </param>
public sealed class FaultInjectingHandler(Func<HttpRequestMessage, Fault?> decide, bool verifyChecksums = false, FakeTimeProvider? stallClock = null) : DelegatingHandler
{
    /// <summary>Far beyond any per-attempt timeout a test configures (the timeout grows with the body too).</summary>
    private static readonly TimeSpan PastAnyTimeout = TimeSpan.FromDays(1);

    private const string CloudFrontApi = "/2020-05-31/";
    private readonly List<string> _callerReferences = [];
    private int _injected;
    private int _requests;

    /// <summary>Requests that failed by design.</summary>
    public int Injected => _injected;

    /// <summary>Every request that reached this layer.</summary>
    public int Requests => _requests;

    public IReadOnlyList<string> CallerReferences { get { lock (_callerReferences) return [.. _callerReferences]; } }

    /// <summary>
    /// Fails the first requests with <paramref name="script"/>'s faults, in order, then lets the rest
    /// through (or fails each with <paramref name="always"/>); the network is a fresh socket handler.
    /// </summary>
    public static FaultInjectingHandler Script(Fault[] script, Fault? always = null)
    {
        var queue = new Queue<Fault>(script);
        return new FaultInjectingHandler(_ =>
        {
            lock (queue) return queue.Count > 0 ? queue.Dequeue() : always;
        })
        { InnerHandler = new SocketsHttpHandler() };
    }

    public static FaultInjectingHandler Script(params Fault[] script) => Script(script, null);

    /// <summary>Each request fails with <paramref name="rate"/> probability, with one of <paramref name="faults"/>.</summary>
    public static FaultInjectingHandler Random(double rate, int seed, FakeTimeProvider? stallClock, params Fault[] faults)
    {
        var random = new Random(seed);
        return new FaultInjectingHandler(_ =>
        {
            lock (random) return random.NextDouble() < rate ? faults[random.Next(faults.Length)] : null;
        }, stallClock: stallClock);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var fault = decide(request);
        if (fault is not null) Interlocked.Increment(ref _injected);
        if (IsCloudFront(request) && request.Content is not null)
        {
            var body = await request.Content.ReadAsStringAsync(cancellationToken);
            var match = System.Text.RegularExpressions.Regex.Match(body, "<CallerReference>([^<]*)</CallerReference>");
            if (match.Success) lock (_callerReferences) _callerReferences.Add(match.Groups[1].Value);
        }
        switch (fault)
        {
            case Fault.InternalError:
                return Error(request, HttpStatusCode.InternalServerError, "InternalError", "We encountered an internal error. Please try again.");
            case Fault.SlowDown:
                return Error(request, HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate.");
            case Fault.ServiceUnavailable:
                return Error(request, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Service Unavailable");
            case Fault.Throttling:
                return Error(request, HttpStatusCode.BadRequest, "Throttling", "Rate exceeded");
            case Fault.TooManyInvalidationsInProgress:
                return Error(request, HttpStatusCode.BadRequest, "TooManyInvalidationsInProgress", "Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.");
            case Fault.ReportInProgress:
                var response = await ForwardAsync(request, corrupt: false, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                response.Content = new StringContent(text.Replace("<Status>COMPLETED</Status>", "<Status>InProgress</Status>"), Encoding.UTF8, "application/xml");
                return response;
            case Fault.AccessDenied:
                return Error(request, HttpStatusCode.Forbidden, "AccessDenied", "Access Denied");
            case Fault.BadCredentials:
                return Error(request, HttpStatusCode.Forbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
            case Fault.WrongRegion:
                return Error(request, HttpStatusCode.BadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'");
            case Fault.ConditionalConflict:
                return Error(request, HttpStatusCode.Conflict, "ConditionalRequestConflict", "A conflicting conditional operation is currently in progress against this resource.");
            case Fault.ResetBeforeSend:
                throw Reset();
            case Fault.Stall:
                stallClock?.Advance(PastAnyTimeout);
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw new OperationCanceledException(cancellationToken);
            case Fault.ResetAfterSend:
                using (await ForwardAsync(request, corrupt: false, cancellationToken)) throw Reset();
            case Fault.CorruptBody:
                return await ForwardAsync(request, corrupt: true, cancellationToken);
            default:
                return await ForwardAsync(request, corrupt: false, cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> ForwardAsync(HttpRequestMessage request, bool corrupt, CancellationToken cancellationToken)
    {
        if (request.Content is null || !(corrupt || verifyChecksums)) return await base.SendAsync(request, cancellationToken);

        var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var segments = request.Content.Headers.ContentEncoding.Contains("aws-chunked") ? AwsChunkedData(body) : [(0, body.Length)];
        if (corrupt && segments is [var (start, length), ..] && length > 0) body[start + length / 2] ^= 0x5a;
        if (verifyChecksums
            && request.Headers.TryGetValues("x-amz-checksum-sha256", out var sent)
            && sent.Single() != Sha256Base64(body, segments))
            return Error(request, HttpStatusCode.BadRequest, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");

        var replacement = new ByteArrayContent(body);
        foreach (var (name, values) in request.Content.Headers) replacement.Headers.TryAddWithoutValidation(name, values);
        request.Content = replacement;
        return await base.SendAsync(request, cancellationToken);
    }

    /// <summary>The data of an aws-chunked body (<c>hex-size;chunk-signature=…\r\n data \r\n</c>, ending with size 0).</summary>
    private static List<(int Start, int Length)> AwsChunkedData(byte[] body)
    {
        var segments = new List<(int, int)>();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0) break;
            var header = Encoding.ASCII.GetString(body, position, lineEnd);
            var size = Convert.ToInt32(header.Split(';')[0], 16);
            if (size == 0) break;
            var start = position + lineEnd + 2;
            segments.Add((start, size));
            position = start + size + 2;
        }
        return segments;
    }

    private static string Sha256Base64(byte[] body, IEnumerable<(int Start, int Length)> segments)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (start, length) in segments) sha.AppendData(body, start, length);
        return Convert.ToBase64String(sha.GetHashAndReset());
    }

    private static HttpRequestException Reset() =>
        new("An error occurred while sending the request.", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)));

    private static bool IsCloudFront(HttpRequestMessage request) =>
        request.RequestUri?.AbsolutePath.StartsWith(CloudFrontApi, StringComparison.Ordinal) == true;

    private static HttpResponseMessage Error(HttpRequestMessage request, HttpStatusCode status, string code, string message)
    {
        var xml = IsCloudFront(request)
            ? $"""<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>"""
            : $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAULT</RequestId></Error>";
        return new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(xml, Encoding.UTF8, IsCloudFront(request) ? "text/xml" : "application/xml"),
        };
    }
}
