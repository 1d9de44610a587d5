using System.Net;
using Jamdeploy.Cdn;
using Jamdeploy.Invalidation;
using Polly;
using Serilog;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// The CDN port for CloudFront: sends the planned paths in batches within CloudFront's limits, each with a
/// derived caller reference; retries throttling, TooManyInvalidationsInProgress, 5xx and dropped connections
/// with backoff and the same reference; waits for completion between batches (the in-flight limit is
/// per distribution) and, when asked, after the last one.
/// </summary>
public sealed class CloudFrontInvalidator : ICdnInvalidator
{
    private readonly CloudFrontClient _client;
    private readonly CloudFrontOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;

    public CloudFrontInvalidator(CloudFrontClient client, CloudFrontOptions options, ILogger log, TimeProvider time)
    {
        _client = client;
        _options = options;
        _log = log.ForContext<CloudFrontInvalidator>();
        _time = time;
        _retry = ApiRetry.Build<CloudFrontApiException>("CloudFront", e => e.IsTransient, options.MaxRetries, options.RetryBaseDelay, options.MaxRetryDelay, _log, time);
    }

    public string Name => $"CloudFront {_options.DistributionId}";

    public Task CheckReadyAsync(CancellationToken cancellationToken) => _client.CheckCredentialsAsync(cancellationToken);

    public async Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken)
    {
        if (request.Paths.Count == 0) return InvalidationOutcome.None;

        var batches = InvalidationBatch.Split(request.Paths, CdnLimits.CloudFront);
        var ids = new List<string>();
        var completed = true;
        try
        {
            for (var i = 0; i < batches.Count; i++)
            {
                var paths = batches[i].Paths;
                var reference = CallerReference.For(request.Release, request.FlippedAt, paths);
                var created = await _retry.ExecuteAsync(
                    async token => await _client.CreateInvalidationAsync(_options.DistributionId, reference, paths, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                ids.Add(created.Id);
                _log.Information("CloudFront {DistributionId} invalidation {InvalidationId} for {Release}: {PathCount} paths, batch {Batch} of {Batches}",
                    _options.DistributionId, created.Id, request.Release, paths.Count, i + 1, batches.Count);

                var last = i == batches.Count - 1;
                if (created.IsCompleted) continue;
                if (request.Wait || !last) await WaitForCompletionAsync(request, created.Id, cancellationToken).ConfigureAwait(false);
                else completed = false;
            }
        }
        catch (Exception ex) when (ex is CloudFrontApiException or HttpRequestException or FormatException or System.Xml.XmlException
                                   || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new InvalidationFailedException(request.Release, Describe(ex), ex);
        }
        return new InvalidationOutcome(ids, request.Paths.Count, completed);
    }

    private async Task WaitForCompletionAsync(InvalidationRequest request, string invalidationId, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.WaitTimeout;
        while (true)
        {
            if (_time.GetUtcNow() >= deadline)
                throw new InvalidationFailedException(request.Release,
                    $"CloudFront invalidation {invalidationId} still in progress after {Durations.Human(_options.WaitTimeout)}");
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            var current = await _retry.ExecuteAsync(
                async token => await _client.GetInvalidationAsync(_options.DistributionId, invalidationId, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            _log.Debug("CloudFront invalidation {InvalidationId}: {Status}", invalidationId, current.Status);
            if (current.IsCompleted) return;
        }
    }

    private string Describe(Exception ex) => ex switch
    {
        CloudFrontApiException { Status: HttpStatusCode.NotFound } api => $"distribution {_options.DistributionId}: {api.Message}",
        CloudFrontApiException { IsTransient: true } api => $"{api.Message} (gave up after {_options.MaxRetries} retries)",
        CloudFrontApiException api => api.Message,
        HttpRequestException http when NetworkFaults.IsNameNotResolved(http) => $"CloudFront at {_options.Endpoint}: {NetworkFaults.NameNotResolved(_options.Endpoint, "Cdn:Endpoint")}",
        HttpRequestException http => $"CloudFront at {_options.Endpoint.Host} unreachable after {_options.MaxRetries} retries: {http.Message}",
        TaskCanceledException => $"CloudFront at {_options.Endpoint.Host} did not answer within {Durations.Human(_options.RequestTimeout)}",
        _ => $"unreadable CloudFront answer: {ex.Message}",
    };
}
