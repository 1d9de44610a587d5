using Polly;
using Polly.Retry;
using Serilog;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// The one retry policy of our own HTTP calls to CloudFront's APIs (invalidations, KeyValueStore), which the AWS
/// SDK does not make for us: the API's transient errors, dropped connections and HttpClient's own timeouts,
/// exponential backoff with jitter, bounded. Only faults that can heal are retried: a name that does not resolve
/// (<see cref="NetworkFaults"/>) and an auth answer (403, a bad signature, an expired token: not transient to the
/// API's own predicate) fail at once. A cancellation the caller asked for is never retried.
/// </summary>
internal static class ApiRetry
{
    public static ResiliencePipeline Build<TApiException>(
        string api, Func<TApiException, bool> isTransient, int maxRetries, TimeSpan baseDelay, TimeSpan maxDelay, ILogger log, TimeProvider time)
        where TApiException : Exception =>
        // Polly refuses a retry strategy of zero attempts; zero retries (which the settings allow) is no strategy.
        maxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle(isTransient)
                    .Handle<HttpRequestException>(e => !NetworkFaults.IsNameNotResolved(e))
                    // HttpClient's own timeout surfaces as a cancellation that the caller did not ask for.
                    .Handle<TaskCanceledException>(e => e.InnerException is TimeoutException),
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                MaxDelay = maxDelay,
                OnRetry = args =>
                {
                    log.Warning("{Api} call failed ({Reason}); retry {Attempt} of {MaxRetries} in {Delay}",
                        api, args.Outcome.Exception?.Message, args.AttemptNumber + 1, maxRetries, Durations.Human(args.RetryDelay));
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
