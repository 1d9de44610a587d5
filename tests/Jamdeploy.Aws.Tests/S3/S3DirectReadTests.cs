using System.Net;
using System.Text;
using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.S3;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>
/// #16: with static credentials in the environment, a whole-object read (the live pointer a no-op redeploy reads)
/// goes out as jamdeploy's own signed GET, without the AWS SDK's client; anything it cannot settle goes to the SDK.
/// Against moto, with a recording or fault layer in front of the wire; the SDK's requests are told by their User-Agent.
/// </summary>
public sealed class S3DirectReadTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(55)).Token;

    private static readonly Dictionary<string, string> StaticCredentials = new()
    {
        ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey,
    };

    [Fact(Timeout = 60_000)]
    public async Task Get_StaticCredentials_SameBytesAndETagAsTheSdkRead_NoSdkRequestAndNoClientForOneRead()
    {
        var options = _s3.Options(await _s3.CreateBucketAsync());
        using var sdk = _s3.Store(options);
        // A key whose segments need encoding: the direct read must address it as the SDK does.
        const string odd = "releases/a b+c~ü(1).json";
        var written = await sdk.PutAsync(StoreLayout.LiveKey, Json("""{"live":"x"}"""), WriteCondition.IfAbsent, _ct);
        await sdk.PutAsync(odd, Json("odd"), WriteCondition.None, _ct);
        var recording = new RecordingHandler();
        using var direct = DirectStore(options, recording);

        var viaDirect = await direct.GetAsync(StoreLayout.LiveKey, _ct);
        var builtForOneRead = direct.ClientBuilt;
        var viaSdk = await sdk.GetAsync(StoreLayout.LiveKey, _ct);
        var oddViaDirect = await direct.GetAsync(odd, _ct);
        var missing = await direct.GetAsync("releases/none.json", _ct);

        Assert.Equal(viaSdk!.Content, viaDirect!.Content);
        Assert.Equal(viaSdk.ETag, viaDirect.ETag);
        Assert.Equal(written.ETag, viaDirect.ETag);
        Assert.Equal("odd", Encoding.UTF8.GetString(oddViaDirect!.Content));
        Assert.Null(missing);
        Assert.Equal(3, recording.Count);
        Assert.All(recording.Requests, r => Assert.False(FromSdk(r), r.Header("user-agent")));
        Assert.False(builtForOneRead);
    }

    /// <summary>Any answer but a 200 or a 404 NoSuchKey, a reset, a body that fails its stored checksum: the SDK reads it again.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData(Fault.AccessDenied)]
    [InlineData(Fault.InternalError)]
    [InlineData(Fault.ResetBeforeSend)]
    public async Task Get_DirectReadFailsOnce_TheSdkReadsIt(Fault fault)
    {
        var options = _s3.Options(await _s3.CreateBucketAsync());
        using var sdk = _s3.Store(options);
        await sdk.PutAsync(StoreLayout.LiveKey, Json("""{"live":"y"}"""), WriteCondition.IfAbsent, _ct);
        var recording = new RecordingHandler { InnerHandler = FaultInjectingHandler.Script(fault) };
        using var direct = DirectStore(options, recording);

        var read = await direct.GetAsync(StoreLayout.LiveKey, _ct);

        Assert.Equal("""{"live":"y"}""", Encoding.UTF8.GetString(read!.Content));
        Assert.Equal((await sdk.GetAsync(StoreLayout.LiveKey, _ct))!.ETag, read.ETag);
        Assert.Equal([false, true], recording.Requests.Select(FromSdk));
    }

    /// <summary>A long-running store (serve) whose direct read is refused once does not pay a refused request on every read.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Get_DirectReadRefusedOnce_LaterReadsGoStraightToTheSdk()
    {
        var options = _s3.Options(await _s3.CreateBucketAsync());
        using var sdk = _s3.Store(options);
        await sdk.PutAsync(StoreLayout.LiveKey, Json("""{"live":"z"}"""), WriteCondition.IfAbsent, _ct);
        var recording = new RecordingHandler { InnerHandler = FaultInjectingHandler.Script(Fault.AccessDenied) };
        using var direct = DirectStore(options, recording);

        await direct.GetAsync(StoreLayout.LiveKey, _ct);
        var again = await direct.GetAsync(StoreLayout.LiveKey, _ct);

        Assert.Equal("""{"live":"z"}""", Encoding.UTF8.GetString(again!.Content));
        Assert.Equal([false, true, true], recording.Requests.Select(FromSdk));
    }

    /// <summary>moto keeps what it is sent, so the damage is other bytes stored under the original checksum.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Get_BodyDoesNotMatchItsStoredChecksum_IsDamagedAsThroughTheSdk()
    {
        var options = _s3.Options(await _s3.CreateBucketAsync());
        using var sdk = _s3.Store(options);
        var original = Json("""{"live":"w"}""");
        var forged = Encoding.UTF8.GetBytes("""{"live":"W"}""");
        await sdk.PutAsync(StoreLayout.LiveKey, new ObjectContent(() => new MemoryStream(forged), forged.Length, original.Sha256, "application/json"), WriteCondition.None, _ct);
        var recording = new RecordingHandler();
        using var direct = DirectStore(options, recording);

        await Assert.ThrowsAsync<DamagedObjectException>(() => direct.GetAsync(StoreLayout.LiveKey, _ct));

        Assert.Equal([false, true], recording.Requests.Select(FromSdk));
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_EveryAnswerAccessDenied_IsTheSdkPathsUsageError()
    {
        var options = _s3.Options(await _s3.CreateBucketAsync());
        using var direct = DirectStore(options, FaultInjectingHandler.Script([], always: Fault.AccessDenied));

        var error = await Assert.ThrowsAsync<UsageException>(() => direct.GetAsync(StoreLayout.LiveKey, _ct));

        Assert.Contains($"access denied to bucket '{options.Location.Bucket}'", error.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_EveryAnswer500_IsTheSdkPathsStoreErrorAfterItsRetries()
    {
        var options = _s3.Options(await _s3.CreateBucketAsync()) with { MaxRetryAttempts = 2 };
        var faults = FaultInjectingHandler.Script([], always: Fault.InternalError);
        using var direct = DirectStore(options, faults);

        var error = await Assert.ThrowsAsync<StoreException>(() => direct.GetAsync(StoreLayout.LiveKey, _ct));

        Assert.Contains("InternalError", error.Message);
        // One direct read, then the SDK's first attempt and its two retries.
        Assert.Equal(4, faults.Requests);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Get_AProfileOrNoStaticCredentials_GoesThroughTheSdk(bool profile)
    {
        var options = _s3.Options(await _s3.CreateBucketAsync());
        using var sdk = _s3.Store(options);
        await sdk.PutAsync(StoreLayout.LiveKey, Json("""{"live":"z"}"""), WriteCondition.IfAbsent, _ct);
        var environment = new Dictionary<string, string>(StaticCredentials);
        if (profile) environment["AWS_PROFILE"] = "jamdeploy-test";
        else environment.Remove("AWS_ACCESS_KEY_ID");
        var recording = new RecordingHandler();
        using var store = S3ObjectStore.Create(options, name => environment.GetValueOrDefault(name), null, recording, credentials: MotoS3.Credentials);

        var read = await store.GetAsync(StoreLayout.LiveKey, _ct);

        Assert.Equal("""{"live":"z"}""", Encoding.UTF8.GetString(read!.Content));
        Assert.True(FromSdk(Assert.Single(recording.Requests)));
        Assert.True(store.ClientBuilt);
    }

    /// <summary>Invariant 7: the signed request (its Authorization, the session token) never reaches a log line or an error.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Get_DirectReadRefused_LogsAndErrorsCarryNoSecretAndNoSignature()
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDIRECTSECRET7";
        const string token = "FQoGZXIvYXdzEJr//////////wEaDDIRECTTOKEN";
        var sink = new LogCapture();
        var options = _s3.Options(await _s3.CreateBucketAsync()) with { MaxRetryAttempts = 0 };
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIAJAMDEPLOYDIRECT", ["AWS_SECRET_ACCESS_KEY"] = secret, ["AWS_SESSION_TOKEN"] = token };
        var faults = FaultInjectingHandler.Script([], always: Fault.BadCredentials);
        var sent = new RecordingHandler { InnerHandler = faults };
        using var store = S3ObjectStore.Create(options, name => environment.GetValueOrDefault(name), sink.Logger(), sent,
            credentials: new SessionAWSCredentials("AKIAJAMDEPLOYDIRECT", secret, token));

        var error = await Assert.ThrowsAsync<UsageException>(() => store.GetAsync(StoreLayout.LiveKey, _ct));

        var direct = sent.Requests[0];
        Assert.False(FromSdk(direct));
        Assert.Equal(token, direct.Header("x-amz-security-token"));
        var signature = direct.Header("authorization")!.Split("Signature=")[1];
        Assert.Contains(sink.Lines, line => line.Contains("Direct GET", StringComparison.Ordinal));
        foreach (var text in sink.Lines.Append(error.ToString()))
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain(signature, text);
        }
    }

    /// <summary>
    /// On AWS itself (no endpoint URL) the direct read goes where the SDK's endpoint rules send the same read,
    /// virtual-hosted and path-style. No AWS here: a layer answers in S3's place and records where each read went.
    /// </summary>
    [Theory(Timeout = 60_000)]
    [InlineData(null)]
    [InlineData(true)]
    public async Task Get_OnAws_GoesToTheUrlTheSdkUses(bool? pathStyle)
    {
        var options = new S3StoreOptions { Location = new S3Location("jd-addressing", "site/x"), Region = "eu-west-1", ForcePathStyle = pathStyle };
        var direct = new AnsweringHandler();
        var viaSdk = new AnsweringHandler();
        using (var store = DirectStore(options, direct)) await store.GetAsync("releases/a b.json", _ct);
        using (var store = S3ObjectStore.Create(options, _ => null, null, viaSdk, credentials: MotoS3.Credentials)) await store.GetAsync("releases/a b.json", _ct);

        Assert.False(direct.Requests.Single().Headers.UserAgent.ToString().StartsWith("aws-sdk", StringComparison.Ordinal));
        Assert.Equal(viaSdk.Requests.Single().RequestUri!.GetLeftPart(UriPartial.Path), direct.Requests.Single().RequestUri!.GetLeftPart(UriPartial.Path));
    }

    private S3ObjectStore DirectStore(S3StoreOptions options, DelegatingHandler interceptor) =>
        S3ObjectStore.Create(options, name => StaticCredentials.GetValueOrDefault(name), null, interceptor, credentials: MotoS3.Credentials);

    private static ObjectContent Json(string text) => ObjectContent.FromBytes(Encoding.UTF8.GetBytes(text), "application/json");

    private static bool FromSdk(RecordedRequest request) =>
        request.Header("user-agent")?.StartsWith("aws-sdk-dotnet", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Answers every request as S3 would a small object stored without a checksum (its ETag its MD5), without a network.</summary>
    private sealed class AnsweringHandler : DelegatingHandler
    {
        private readonly List<HttpRequestMessage> _requests = [];

        public IReadOnlyList<HttpRequestMessage> Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_requests) _requests.Add(request);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent("{}"u8.ToArray()) };
            response.Headers.TryAddWithoutValidation("ETag", "\"99914b932bd37a50b983c5e7c90ae93b\"");
            return Task.FromResult(response);
        }
    }
}
