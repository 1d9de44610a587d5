using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>What the next request through <see cref="FaultInjectingHandler"/> suffers.</summary>
internal enum Fault
{
    /// <summary>400 Throttling, without reaching the server.</summary>
    Throttling,
    /// <summary>400 TooManyInvalidationsInProgress, without reaching the server.</summary>
    TooManyInvalidationsInProgress,
    /// <summary>503, without reaching the server.</summary>
    ServiceUnavailable,
    /// <summary>The connection drops before the request is sent.</summary>
    DropConnection,
    /// <summary>The request reaches the server, then the connection drops before the answer arrives.</summary>
    LoseResponse,
    /// <summary>403 AccessDenied: permanent.</summary>
    AccessDenied,
    /// <summary>Reaches the server, but the answer says the invalidation is still in progress.</summary>
    ReportInProgress,
}

/// <summary>
/// A layer between the signer and the real transport to moto: fails requests as scripted, then lets the rest
/// through, and records every caller reference it saw (so a test can prove retries reused it).
/// </summary>
internal sealed partial class FaultInjectingHandler(params Fault[] script) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Queue<Fault> _script = new(script);
    private readonly List<string> _callerReferences = [];
    private readonly Lock _lock = new();

    /// <summary>When set, every request suffers this fault once the script is used up.</summary>
    public Fault? Always { get; init; }

    public int Requests { get; private set; }

    public IReadOnlyList<string> CallerReferences { get { lock (_lock) return [.. _callerReferences]; } }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Fault? fault;
        lock (_lock)
        {
            Requests++;
            fault = _script.Count > 0 ? _script.Dequeue() : Always;
        }
        if (request.Content is not null)
        {
            var body = await request.Content.ReadAsStringAsync(cancellationToken);
            var match = CallerReferencePattern().Match(body);
            if (match.Success) lock (_lock) _callerReferences.Add(match.Groups[1].Value);
        }

        switch (fault)
        {
            case Fault.Throttling: return Error(HttpStatusCode.BadRequest, "Throttling", "Rate exceeded");
            case Fault.TooManyInvalidationsInProgress:
                return Error(HttpStatusCode.BadRequest, "TooManyInvalidationsInProgress", "Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.");
            case Fault.ServiceUnavailable: return Error(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Service Unavailable");
            case Fault.AccessDenied: return Error(HttpStatusCode.Forbidden, "AccessDenied", "User is not authorized to perform: cloudfront:CreateInvalidation");
            case Fault.DropConnection: throw new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset by peer"));
            case Fault.LoseResponse:
                (await base.SendAsync(request, cancellationToken)).Dispose();
                throw new HttpRequestException("The response ended prematurely.", new IOException("Connection reset by peer"));
            case Fault.ReportInProgress:
                var response = await base.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                response.Content = new StringContent(text.Replace("<Status>COMPLETED</Status>", "<Status>InProgress</Status>"), Encoding.UTF8, "application/xml");
                return response;
            default: return await base.SendAsync(request, cancellationToken);
        }
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string message) => new(status)
    {
        Content = new StringContent(
            $"""<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>""",
            Encoding.UTF8, "text/xml"),
    };

    [GeneratedRegex("<CallerReference>([^<]*)</CallerReference>")]
    private static partial Regex CallerReferencePattern();
}
