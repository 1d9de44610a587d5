using System.Diagnostics;
using Jamdeploy.Deploying;

namespace Jamdeploy.Bench.S3;

/// <summary>Times each deploy stage from the pipeline's own progress reports.</summary>
internal sealed class StageClock : IProgress<DeployProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(DeployStage Stage, TimeSpan Start)> _starts = [];
    private readonly Lock _gate = new();

    public void Report(DeployProgress value)
    {
        lock (_gate)
            if (_starts.Count == 0 || _starts[^1].Stage != value.Stage) _starts.Add((value.Stage, _clock.Elapsed));
    }

    /// <summary>"scan 20 ms, hash 900 ms, …" up to now.</summary>
    public string Finish()
    {
        lock (_gate)
        {
            var end = _clock.Elapsed;
            return string.Join(", ", _starts.Select((s, i) => $"{s.Stage.ToString().ToLowerInvariant()} {((i + 1 < _starts.Count ? _starts[i + 1].Start : end) - s.Start).TotalMilliseconds:0} ms"));
        }
    }
}
