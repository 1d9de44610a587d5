using System.Net;
using System.Text;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>The store's own bounds: requests in flight, and per-key failures of a batch delete.</summary>
public sealed class S3BoundsTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(55)).Token;

    [Fact(Timeout = 60_000)]
    public async Task Put_ManyAtOnce_NeverMoreRequestsInFlightThanConfigured()
    {
        var gauge = new InFlightGauge();
        using var store = await _s3.NewStoreAsync(gauge, o => o with { MaxConcurrentRequests = 3 });

        await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
        {
            var bytes = Encoding.UTF8.GetBytes($"blob {i}");
            return store.PutAsync(StoreLayout.Blob(ContentHash.Of(bytes)), ObjectContent.FromBytes(bytes, "text/plain"), WriteCondition.IfAbsent, _ct);
        }));

        Assert.Equal(3, gauge.Peak);
    }

    [Fact(Timeout = 60_000)]
    public async Task Delete_SomeKeysRefused_IsAStoreErrorCountingThemAndNamingOne()
    {
        var refusing = new RefuseDeletes();
        using var store = await _s3.NewStoreAsync(refusing);
        var keys = Enumerable.Range(0, 5).Select(i => StoreLayout.Blob(ContentHash.Of(BitConverter.GetBytes(i)))).ToList();

        var error = await Assert.ThrowsAsync<StoreException>(() => store.DeleteAsync(keys, _ct));

        Assert.Contains("could not delete 2 of 5 objects", error.Message);
        Assert.Contains("AccessDenied", error.Message);
        Assert.Contains(store.Options.Location.Bucket, error.Message);
    }

    /// <summary>Holds each request a moment and records the most in flight at once.</summary>
    private sealed class InFlightGauge : DelegatingHandler
    {
        private int _now;
        private int _peak;

        public int Peak => _peak;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _now);
            for (var peak = _peak; now > peak; peak = _peak) Interlocked.CompareExchange(ref _peak, now, peak);
            try
            {
                await Task.Delay(50, cancellationToken);
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _now);
            }
        }
    }

    /// <summary>Answers a DeleteObjects as S3 does when some keys are refused: 200 with per-key errors.</summary>
    private sealed class RefuseDeletes : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post || !request.RequestUri!.Query.Contains("delete", StringComparison.Ordinal))
                return base.SendAsync(request, cancellationToken);
            const string xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Error><Key>site/blobs/a</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
                  <Error><Key>site/blobs/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
                  <Error><Key>site/blobs/c</Key><Code>NoSuchKey</Code><Message>gone already</Message></Error>
                </DeleteResult>
                """;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(xml, Encoding.UTF8, "application/xml") });
        }
    }
}
