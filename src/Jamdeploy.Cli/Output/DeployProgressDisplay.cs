using System.Diagnostics;
using Jamdeploy.Deploying;
using Spectre.Console;

namespace Jamdeploy.Cli.Output;

/// <summary>
/// Shows a deploy's progress on an interactive terminal only: one line, redrawn in place (Spectre.Console), with
/// files and bytes done of total and a smoothed ETA (<see cref="EtaEstimator"/>), then a closing line with the
/// elapsed time. Under --json and whenever stdout is not a terminal (CI logs, a pipe, a file) there is no
/// progress at all: those readers get the result alone, and --verbose logs each stage on stderr.
/// </summary>
public static class DeployProgressDisplay
{
    // Spectre.Console only where a display is shown: the method that names its types loads its assembly when first
    // called, which a deploy in CI or a pipe (every no-op redeploy of a script) never needs (issue #16).
    public static Task<T> RunAsync<T>(UserOutput output, Func<IProgress<DeployProgress>?, Task<T>> work) =>
        output.CanShowLiveProgress ? ShowAsync(output, work) : work(null);

    private static async Task<T> ShowAsync<T>(UserOutput output, Func<IProgress<DeployProgress>?, Task<T>> work)
    {
        var live = new LiveProgress();
        // A live display, not Spectre's Progress: that one pads its rows with a blank line above and below.
        var result = await AnsiConsole.Live(Draw(live)).AutoClear(true).StartAsync(async context =>
        {
            var running = work(live);
            while (await Task.WhenAny(running, Task.Delay(RefreshInterval)) != running)
            {
                context.UpdateTarget(Draw(live)); // redraws
            }
            return await running;
        });
        output.Line(live.FinalLine());
        return result;
    }

    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    private static Text Draw(LiveProgress live) => new(live.Line(AnsiConsole.Profile.Width), Style.Plain) { Overflow = Overflow.Ellipsis };

    /// <summary>The deploy's latest report, the ETA of its current stage, and what each stage moved.</summary>
    private sealed class LiveProgress : IProgress<DeployProgress>
    {
        private readonly Lock _gate = new();
        private readonly Stopwatch _deploy = Stopwatch.StartNew();
        private ProgressSnapshot _at = new(DeployStage.Scan, 0, 0, 0, 0);
        private StageTotals? _hashed;
        private StageTotals? _uploaded;
        private EtaEstimator _eta = new();
        private Stopwatch _stage = Stopwatch.StartNew();

        public void Report(DeployProgress value)
        {
            lock (_gate)
            {
                if (value.Stage != _at.Stage)
                {
                    _eta = new EtaEstimator();
                    _stage = Stopwatch.StartNew();
                }
                else if (value.Done < _at.BytesDone || value.FilesDone < _at.FilesDone)
                {
                    // Workers report out of order; the counts only grow.
                    value = value with { Done = Math.Max(value.Done, _at.BytesDone), FilesDone = Math.Max(value.FilesDone, _at.FilesDone) };
                }
                _at = new ProgressSnapshot(value.Stage, value.Done, value.Total, value.FilesDone, value.FilesTotal);
                if (value.Stage == DeployStage.Hash) _hashed = new StageTotals(value.FilesTotal, value.Total);
                if (value.Stage == DeployStage.Upload && value.FilesTotal > 0) _uploaded = new StageTotals(value.FilesTotal, value.Total);
            }
        }

        public string Line(int width)
        {
            lock (_gate)
            {
                _eta.Observe(_stage.Elapsed, _at.BytesDone, _at.FilesDone);
                var eta = _eta.Remaining(_at.BytesTotal - _at.BytesDone, _at.FilesTotal - _at.FilesDone);
                return ProgressLine.Live(_at, eta, width);
            }
        }

        public string FinalLine()
        {
            lock (_gate) return ProgressLine.Final(_hashed ?? new StageTotals(0, 0), _uploaded, _deploy.Elapsed);
        }
    }
}
