using System.Net;
using Jamdeploy.Aws.CloudFront;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Aws.Tests.Signing;
using Jamdeploy.TestSupport.Cdn;
using Serilog;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>The SigV4A-signed KeyValueStore client against the fake data plane, which checks every signature.</summary>
public sealed class KeyValueStoreClientTests : IAsyncLifetime
{
    private const int Timeout = 60_000;
    private FakeKeyValueStore _kvs = null!;

    public async Task InitializeAsync() => _kvs = await FakeKeyValueStore.StartAsync();

    public async Task DisposeAsync() => await _kvs.DisposeAsync();

    private KeyValueStoreClient Client(SigningCredentials? credentials = null, ILogger? log = null) =>
        KeyValueStoreClient.Create(
            new KeyValueStoreOptions { Arn = _kvs.Arn, Endpoint = new Uri(_kvs.Endpoint), RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5) },
            new FixedCredentialsSource(credentials ?? FakeKeyValueStore.TestCredentials), TimeProvider.System, log ?? Serilog.Core.Logger.None);

    [Fact(Timeout = Timeout)]
    public async Task PutKey_CurrentETag_WritesAndReturnsNewVersion()
    {
        using var client = Client();

        var before = await client.DescribeAsync(CancellationToken.None);
        Assert.Null(await client.GetKeyAsync("site:live", CancellationToken.None));
        var after = await client.PutKeyAsync("site:live", "20261129T080000Z-abc", before, CancellationToken.None);

        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        Assert.Equal(after, await client.DescribeAsync(CancellationToken.None));
        Assert.Equal("20261129T080000Z-abc", await client.GetKeyAsync("site:live", CancellationToken.None));
        Assert.Equal("20261129T080000Z-abc", _kvs.Value("site:live"));
        Assert.All(_kvs.Requests, r => Assert.True(r.Status is 200 or 404, $"{r.Operation} answered {r.Status}"));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutKey_StaleETag_IsRefusedWith409AndChangesNothing()
    {
        using var client = Client();
        var stale = await client.DescribeAsync(CancellationToken.None);
        _kvs.Set("site:live", "newer");

        var written = await client.PutKeyAsync("site:live", "older", stale, CancellationToken.None);

        Assert.Null(written);
        Assert.Equal("newer", _kvs.Value("site:live"));
        Assert.Contains(_kvs.Requests, r => r is { Operation: "PutKey", Status: 409 });
    }

    [Fact(Timeout = Timeout)]
    public async Task Request_WrongSecret_IsRejected403AndNothingWritten()
    {
        using var client = Client(FakeKeyValueStore.TestCredentials with { SecretAccessKey = "not-the-secret" });

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() => client.PutKeyAsync("site:live", "x", _kvs.ETag, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, e.Status);
        Assert.Equal("InvalidSignatureException", e.Code);
        Assert.DoesNotContain("not-the-secret", e.Message);
        Assert.Null(_kvs.Value("site:live"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Request_SigV4InsteadOfSigV4a_IsRejected()
    {
        // The fake must refuse what the real service refuses: a plain SigV4 signature.
        var sigv4 = new SigV4SigningHandler(new FixedCredentialsSource(FakeKeyValueStore.TestCredentials), "us-east-1", KeyValueStoreOptions.SigningService, TimeProvider.System)
        {
            InnerHandler = new SocketsHttpHandler(),
        };
        using var http = new HttpClient(sigv4);

        using var response = await http.GetAsync($"{_kvs.Endpoint}/key-value-stores/{Uri.EscapeDataString(_kvs.Arn)}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task Request_BodyChangedAfterSigning_IsRejected()
    {
        // A signature that covers another body than the one sent: the payload hash is part of what is verified.
        var tampering = new TamperingHandler { InnerHandler = new SocketsHttpHandler() };
        var signer = SigV4SigningHandler.SigV4a(new FixedCredentialsSource(FakeKeyValueStore.TestCredentials), "*", KeyValueStoreOptions.SigningService, TimeProvider.System);
        signer.InnerHandler = tampering;
        using var http = new HttpClient(signer);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{_kvs.Endpoint}/key-value-stores/{Uri.EscapeDataString(_kvs.Arn)}/keys/k")
        {
            Content = new StringContent("""{"Value":"signed"}"""),
        };
        request.Headers.TryAddWithoutValidation("If-Match", _kvs.ETag);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(_kvs.Value("k"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Request_ThrottledServerErrorAndDroppedConnection_AreRetried()
    {
        using var client = Client();
        _kvs.FailNext("DescribeKeyValueStore", HttpStatusCode.TooManyRequests, "ThrottlingException");
        _kvs.DropNext("DescribeKeyValueStore");
        var etag = await client.DescribeAsync(CancellationToken.None);
        _kvs.FailNext("PutKey", HttpStatusCode.ServiceUnavailable, "ServiceUnavailableException");
        _kvs.FailNext("PutKey", HttpStatusCode.InternalServerError, "InternalServerException");

        var written = await client.PutKeyAsync("site:live", "r1", etag, CancellationToken.None);

        Assert.NotNull(written);
        Assert.Equal("r1", _kvs.Value("site:live"));
        Assert.Equal(3, _kvs.Count("DescribeKeyValueStore"));
        Assert.Equal(3, _kvs.Count("PutKey"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Request_PersistentServerError_GivesUpAfterBoundedRetries()
    {
        using var client = Client();
        _kvs.FailNext("*", HttpStatusCode.InternalServerError, "InternalServerException", times: 50);

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() => client.DescribeAsync(CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, e.Status);
        Assert.Equal(1 + new KeyValueStoreOptions { Arn = _kvs.Arn }.MaxRetries, _kvs.Count("DescribeKeyValueStore"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Request_ZeroRetries_GivesUpOnTheFirstServerError()
    {
        // Cdn:KeyValueStore:MaxRetries allows 0: no retry, not a crash building the retry policy.
        using var client = KeyValueStoreClient.Create(new KeyValueStoreOptions { Arn = _kvs.Arn, Endpoint = new Uri(_kvs.Endpoint), MaxRetries = 0 },
            new FixedCredentialsSource(FakeKeyValueStore.TestCredentials), TimeProvider.System, Serilog.Core.Logger.None);
        _kvs.FailNext("*", HttpStatusCode.InternalServerError, "InternalServerException", times: 5);

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() => client.DescribeAsync(CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, e.Status);
        Assert.Equal(1, _kvs.Count("DescribeKeyValueStore"));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutKey_ValueOverLimit_IsValidationErrorNotRetried()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() =>
            client.PutKeyAsync("site:live", new string('x', FakeKeyValueStore.MaxValueBytes + 1), _kvs.ETag, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal("ValidationException", e.Code);
        Assert.Equal(1, _kvs.Count("PutKey"));
    }

    [Fact(Timeout = Timeout)]
    public async Task PutKey_KeyOverLimit_IsValidationError()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() =>
            client.PutKeyAsync(new string('k', FakeKeyValueStore.MaxKeyBytes + 1), "v", _kvs.ETag, CancellationToken.None));

        Assert.Equal("ValidationException", e.Code);
    }

    [Fact(Timeout = Timeout)]
    public async Task TestRead_Unsigned_ReturnsWhatTheSignedPutWrote()
    {
        // For emulators of the viewer function: the value without a signature, and 404 for a missing key.
        using var client = Client();
        await client.PutKeyAsync("site:live", "r7", await client.DescribeAsync(CancellationToken.None), CancellationToken.None);
        using var http = new HttpClient();

        Assert.Equal("r7", await http.GetStringAsync($"{_kvs.Endpoint}/_test/keys/{Uri.EscapeDataString("site:live")}"));
        using var missing = await http.GetAsync($"{_kvs.Endpoint}/_test/keys/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var unsigned = await http.GetAsync($"{_kvs.Endpoint}/key-value-stores/{Uri.EscapeDataString(_kvs.Arn)}/keys/site%3Alive");
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task AccessDenied_WithSessionToken_AdvisesStsVersion2Tokens()
    {
        var temporary = FakeKeyValueStore.TestCredentials with { SessionToken = "FwoGZXIvYXdzEXAMPLETOKEN" };
        await using var kvs = await FakeKeyValueStore.StartAsync(credentials: temporary);
        using var client = KeyValueStoreClient.Create(new KeyValueStoreOptions { Arn = kvs.Arn, Endpoint = new Uri(kvs.Endpoint) },
            new FixedCredentialsSource(temporary), TimeProvider.System, Serilog.Core.Logger.None);
        Assert.NotNull(await client.DescribeAsync(CancellationToken.None)); // the token is signed and accepted
        kvs.FailNext("DescribeKeyValueStore", HttpStatusCode.Forbidden, "AccessDeniedException");

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() => client.DescribeAsync(CancellationToken.None));

        Assert.Contains("--global-endpoint-token-version v2Token", e.Message);
        Assert.DoesNotContain("FwoGZXIvYXdzEXAMPLETOKEN", e.Message);
    }

    [Fact(Timeout = Timeout)]
    public async Task AccessDenied_WithoutSessionToken_HasNoTokenAdvice()
    {
        using var client = Client();
        _kvs.FailNext("DescribeKeyValueStore", HttpStatusCode.Forbidden, "AccessDeniedException");

        var e = await Assert.ThrowsAsync<KeyValueStoreException>(() => client.DescribeAsync(CancellationToken.None));

        Assert.Equal("AccessDeniedException", e.Code);
        Assert.DoesNotContain("v2Token", e.Message);
    }

    [Fact]
    public void Options_DefaultEndpoint_IsTheAccountsGlobalEndpoint()
    {
        // botocore endpoint-rule-set-1.json: https://{parsedArn#accountId}.cloudfront-kvs.global.api.aws
        var options = new KeyValueStoreOptions { Arn = "arn:aws:cloudfront::123456789012:key-value-store/abc-123" };

        Assert.Equal(new Uri("https://123456789012.cloudfront-kvs.global.api.aws"), options.ResolveEndpoint());
        Assert.False(KeyValueStoreOptions.IsValidArn("arn:aws:cloudfront:us-east-1:123456789012:key-value-store/abc"));
        Assert.False(KeyValueStoreOptions.IsValidArn("arn:aws:cloudfront::12345:key-value-store/abc"));
    }

    private sealed class TamperingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Content = new StringContent("""{"Value":"tampered"}""");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
