using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Jamdeploy.TestSupport.S3;

/// <summary>What goes wrong with one request.</summary>
public enum Fault
{
    /// <summary>500 InternalError without reaching the store.</summary>
    InternalError,
    /// <summary>503 SlowDown without reaching the store.</summary>
    SlowDown,
    /// <summary>The connection resets before the store sees the request.</summary>
    ResetBeforeSend,
    /// <summary>The store handles the request, then the connection resets: the answer is lost.</summary>
    ResetAfterSend,
    /// <summary>The response never comes (until the client gives up).</summary>
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
}

/// <summary>
/// A fault layer around the real S3 client's HTTP: decides per request whether and how it fails, so the
/// same code path runs as in production. It can also emulate S3's check of x-amz-checksum-sha256 (moto
/// does not verify checksums), answering 400 BadDigest to a body that does not match.
/// </summary>
public sealed class FaultInjectingHandler(Func<HttpRequestMessage, Fault?> decide, bool verifyChecksums = false) : DelegatingHandler
{
    private int _injected;

    public int Injected => _injected;

    /// <summary>Each request fails with <paramref name="rate"/> probability, with one of <paramref name="faults"/>.</summary>
    public static FaultInjectingHandler Random(double rate, int seed, params Fault[] faults)
    {
        var random = new Random(seed);
        return new FaultInjectingHandler(_ =>
        {
            lock (random) return random.NextDouble() < rate ? faults[random.Next(faults.Length)] : null;
        });
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var fault = decide(request);
        if (fault is not null) Interlocked.Increment(ref _injected);
        switch (fault)
        {
            case Fault.InternalError:
                return Error(request, HttpStatusCode.InternalServerError, "InternalError", "We encountered an internal error. Please try again.");
            case Fault.SlowDown:
                return Error(request, HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate.");
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

    private static HttpResponseMessage Error(HttpRequestMessage request, HttpStatusCode status, string code, string message)
    {
        var xml = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAULT</RequestId></Error>";
        return new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(xml, Encoding.UTF8, "application/xml"),
        };
    }
}
