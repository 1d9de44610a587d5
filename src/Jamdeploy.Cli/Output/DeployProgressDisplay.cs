using Jamdeploy.Deploying;
using Spectre.Console;

namespace Jamdeploy.Cli.Output;

/// <summary>
/// Shows a deploy's progress: bars on an interactive terminal (Spectre.Console), one plain line per
/// stage otherwise (CI logs), nothing under --json.
/// </summary>
public static class DeployProgressDisplay
{
    public static async Task<T> RunAsync<T>(UserOutput output, Func<IProgress<DeployProgress>?, Task<T>> work)
    {
        if (output.IsJson) return await work(null);
        if (!output.CanShowLiveProgress) return await work(new PlainStageLines(output));

        return await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<DeployStage, ProgressTask>();
                var progress = new InlineProgress<DeployProgress>(p =>
                {
                    if (p.Stage is not (DeployStage.Hash or DeployStage.Upload)) return;
                    lock (bars)
                    {
                        if (!bars.TryGetValue(p.Stage, out var bar))
                            bars[p.Stage] = bar = context.AddTask(p.Stage == DeployStage.Hash ? "hashing" : "uploading", maxValue: Math.Max(1, p.Total));
                        bar.Value = p.Done;
                    }
                });
                return await work(progress);
            });
    }

    private sealed class PlainStageLines(UserOutput output) : IProgress<DeployProgress>
    {
        private int _lastStage = -1;

        public void Report(DeployProgress value)
        {
            if ((int)value.Stage <= Volatile.Read(ref _lastStage)) return;
            if (Interlocked.Exchange(ref _lastStage, (int)value.Stage) >= (int)value.Stage) return;
            var line = value.Stage switch
            {
                DeployStage.Scan => "scanning…",
                DeployStage.Hash => $"hashing {Format.Bytes(value.Total)}…",
                DeployStage.Plan => "planning…",
                DeployStage.Upload => $"uploading {Format.Bytes(value.Total)}…",
                DeployStage.Manifest => "writing the release manifest…",
                DeployStage.Flip => "flipping the live pointer…",
                DeployStage.Invalidate => "invalidating the CDN…",
                _ => null,
            };
            if (line is not null) output.Line(line);
        }
    }
}
