using System.Net;
using Amazon.Runtime;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Serilog;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// The one retry layer of the S3 store (the SDK's own is off, see <see cref="S3ClientFactory"/>): every
/// attempt runs under a timeout that grows with the bytes it moves, so a stalled response is abandoned;
/// transient faults (5xx, SlowDown, resets, timeouts, a concurrent conditional write) are retried with
/// exponential backoff and jitter; each attempt re-runs the whole request, so a body is re-opened from
/// its file rather than rewound. The caller's cancellation ends everything at once.
/// </summary>
internal sealed class S3RetryPipeline
{
    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeout = new("jamdeploy.s3.attempt-timeout");
    private static readonly ResiliencePropertyKey<string> Operation = new("jamdeploy.s3.operation");

    private readonly ResiliencePipeline _pipeline;
    private readonly S3StoreOptions _options;

    public S3RetryPipeline(S3StoreOptions options, ILogger logger, TimeProvider? timeProvider = null)
    {
        _options = options;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(20),
                OnRetry = args =>
                {
                    logger.Warning("S3 {Operation} failed ({Error}); retry {Attempt} of {MaxAttempts} in {Delay}",
                        args.Context.Properties.GetValue(Operation, "request"), Describe(args.Outcome.Exception),
                        args.AttemptNumber + 1, options.MaxRetryAttempts, Durations.Human(args.RetryDelay));
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(AttemptTimeout, options.RequestTimeout)),
        });
        _pipeline = builder.Build();
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, fails for good, or retries run out.
    /// The attempt gets its number (0 for the first), so a conditional write can tell a retry of its own.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(string operation, long bodyBytes, Func<int, CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Operation, operation);
        context.Properties.Set(AttemptTimeout, _options.RequestTimeout + TimeSpan.FromSeconds((double)bodyBytes / _options.MinimumBytesPerSecond));
        try
        {
            var state = new AttemptState<T>(attempt);
            return await _pipeline.ExecuteAsync(
                static async (ctx, s) => await s.Attempt(s.Number++, ctx.CancellationToken).ConfigureAwait(false),
                context, state).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Worth another try: the store or the network failed, not the request.</summary>
    internal static bool IsTransient(Exception error, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested) return false;
        // A name that does not resolve will not resolve on the next try either: fail with the one line now.
        if (NetworkFaults.IsNameNotResolved(error)) return false;
        return error switch
        {
            TimeoutRejectedException => true,
            AmazonServiceException service => IsTransientStatus(service) || S3ErrorTranslator.IsUnreachable(service) || S3ErrorTranslator.IsTimeout(service),
            OperationCanceledException => true, // not the caller's token, so an HTTP timeout
            // The body's source file is gone (deleted mid-deploy): no retry brings it back.
            FileNotFoundException or DirectoryNotFoundException => false,
            HttpRequestException or IOException or System.Net.Sockets.SocketException => true,
            AmazonClientException client => S3ErrorTranslator.IsUnreachable(client),
            _ => false,
        };
    }

    private static bool IsTransientStatus(AmazonServiceException error) =>
        error.ErrorCode is "SlowDown" or "InternalError" or "ServiceUnavailable" or "RequestTimeout" or "Throttling"
            or "ThrottlingException" or "RequestTimeTooSkewed" or "ConditionalRequestConflict" or "BadDigest" or "OperationAborted"
        || (int)error.StatusCode >= 500
        || error.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    private static string Describe(Exception? error) => error switch
    {
        null => "no error",
        AmazonServiceException service => $"{service.ErrorCode ?? "HTTP"} {(int)service.StatusCode}",
        _ => error.GetType().Name,
    };

    private sealed class AttemptState<T>(Func<int, CancellationToken, Task<T>> attempt)
    {
        public Func<int, CancellationToken, Task<T>> Attempt { get; } = attempt;
        public int Number { get; set; }
    }
}
