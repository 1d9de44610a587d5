using System.Diagnostics;
using Serilog;
using Serilog.Events;

namespace Jamdeploy.Deploying;

/// <summary>
/// With debug logging (<c>--verbose</c>): one line as each deploy stage begins, with the time since the deploy
/// began and what the stage before took, so a slow deploy shows where its time went. Without it, nothing is
/// wrapped and the progress stays as given (null skips the per-file reports altogether).
/// </summary>
internal sealed class StageTimings(IProgress<DeployProgress>? inner, ILogger log) : IProgress<DeployProgress>
{
    private readonly Lock _gate = new();
    private readonly long _began = Stopwatch.GetTimestamp();
    private long _stageBegan = Stopwatch.GetTimestamp();
    private DeployStage? _stage;

    public static IProgress<DeployProgress>? Wrap(IProgress<DeployProgress>? inner, ILogger log) =>
        log.IsEnabled(LogEventLevel.Debug) ? new StageTimings(inner, log) : inner;

    public void Report(DeployProgress value)
    {
        lock (_gate)
        {
            if (value.Stage != _stage)
            {
                var now = Stopwatch.GetTimestamp();
                log.Debug("Stage {Stage} began at {At:0} ms ({Previous} took {Took:0} ms)", value.Stage,
                    Stopwatch.GetElapsedTime(_began, now).TotalMilliseconds, _stage?.ToString() ?? "start", Stopwatch.GetElapsedTime(_stageBegan, now).TotalMilliseconds);
                (_stage, _stageBegan) = (value.Stage, now);
            }
        }
        inner?.Report(value);
    }
}
