using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Jamdeploy.Aws.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.Aws.Tests.Signing;

/// <summary>
/// The same request signed twice at the same instant: once by <see cref="SigV4SigningHandler"/> on a real
/// <see cref="HttpRequestMessage"/>, once by botocore's <c>SigV4Auth</c> in python3. Covers what the published
/// vectors do not: CloudFront's service name, an XML body, a session token, an encoded path segment, a port.
/// </summary>
public sealed class BotocoreComparisonTests
{
    private const string Botocore = """
        import datetime, json, sys
        from unittest import mock
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        d = json.load(sys.stdin)
        request = AWSRequest(method=d["method"], url=d["url"], headers=d["headers"], data=d["body"].encode("utf-8"))
        auth = SigV4Auth(Credentials(d["key"], d["secret"], d["token"]), d["service"], d["region"])
        at = datetime.datetime.strptime(d["at"], "%Y%m%dT%H%M%SZ")
        with mock.patch("botocore.auth.get_current_datetime", return_value=at):
            auth.add_auth(request)
        print(request.headers["Authorization"])
        """;

    public static TheoryData<string, string, string?> Requests => new()
    {
        { "POST", "https://cloudfront.amazonaws.com/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation", "session-token/with+odd=chars" },
        { "GET", "https://cloudfront.amazonaws.com/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation/I2J0I21PCUYOIK", null },
        { "GET", "http://127.0.0.1:5123/2020-05-31/distribution/E%20X%C3%A9/invalidation?MaxItems=10&Marker=a%2Fb", "t" },
    };

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Requests))]
    public async Task SigningHandler_SameRequestAndTime_MatchesBotocore(string method, string url, string? token)
    {
        var credentials = new SigningCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token);
        var at = new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.Zero);
        var body = method == "POST"
            ? """<?xml version="1.0" encoding="UTF-8"?><InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>1</Quantity><Items><Path>/caf%C3%A9/</Path></Items></Paths><CallerReference>r</CallerReference></InvalidationBatch>"""
            : "";

        var capture = new CapturingHandler();
        using var client = new HttpClient(new SigV4SigningHandler(new FixedCredentialsSource(credentials), "us-east-1", "cloudfront", new FakeTimeProvider(at)) { InnerHandler = capture });
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body.Length > 0) request.Content = new StringContent(body, Encoding.UTF8, "application/xml");
        using var _ = await client.SendAsync(request);

        var headers = new Dictionary<string, string>();
        if (body.Length > 0) headers["Content-Type"] = request.Content!.Headers.ContentType!.ToString();
        var expected = await RunBotocoreAsync(new
        {
            method, url, headers, body, key = credentials.AccessKeyId, secret = credentials.SecretAccessKey, token,
            service = "cloudfront", region = "us-east-1", at = "20240229T235958Z",
        });

        Assert.Equal(expected, capture.Authorization);
        Assert.Equal(token, capture.SecurityToken);
    }

    private static async Task<string> RunBotocoreAsync(object input)
    {
        var start = new ProcessStartInfo("python3", ["-c", Botocore])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var python = Process.Start(start)!;
        await python.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await error);
        return (await output).Trim();
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public string? Authorization { get; private set; }
        public string? SecurityToken { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorization = request.Headers.Authorization?.ToString();
            SecurityToken = request.Headers.TryGetValues("X-Amz-Security-Token", out var values) ? values.Single() : null;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
