using Jamdeploy.Cli.Output;
using Jamdeploy.Deploying;

namespace Jamdeploy.Cli.Tests.Output;

/// <summary>The progress display's text: files and bytes of total with an ETA on one line that fits, then elapsed time.</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public void Live_Upload_ShowsFilesAndBytesOfTotalAndEta() =>
        Assert.Equal("uploading 2,500/10,000 files · 9.8 MiB/39.1 MiB · ETA 1 min 14 s",
            ProgressLine.Live(new ProgressSnapshot(DeployStage.Upload, 10_276_045, 40_999_936, 2_500, 10_000), TimeSpan.FromSeconds(74), width: 120));

    [Fact]
    public void Live_NoEstimateYet_SaysSo() =>
        Assert.Equal("hashing 0/1 file · 0 B/12 B · ETA …",
            ProgressLine.Live(new ProgressSnapshot(DeployStage.Hash, 0, 12, 0, 1), eta: null, width: 120));

    [Theory]
    [InlineData(40)]
    [InlineData(20)]
    [InlineData(2)]
    public void Live_NarrowTerminal_StaysNarrowerThanIt(int width)
    {
        var line = ProgressLine.Live(new ProgressSnapshot(DeployStage.Upload, 1, 2, 1, 2), TimeSpan.FromSeconds(5), width);

        // As wide as the terminal would wrap on the last column; the redraw then leaves a line behind.
        Assert.True(line.Length < width || line.Length == 1, line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Final_SaysWhatWasHashedAndUploadedAndHowLong() =>
        Assert.Equal("hashed 10,000 files (39.1 MiB), uploaded 2,500 files (9.8 MiB) in 1 min 2 s",
            ProgressLine.Final(new StageTotals(10_000, 40_999_936), new StageTotals(2_500, 10_276_045), TimeSpan.FromSeconds(62.4)));

    [Fact]
    public void Final_NothingUploaded_SaysOnlyTheHashing() =>
        Assert.Equal("hashed 6 files (121 B) in 180 ms", ProgressLine.Final(new StageTotals(6, 121), null, TimeSpan.FromMilliseconds(180)));
}

/// <summary>The ETA: none before it has a rate, right at a steady rate, and stable through bursts and stalls.</summary>
public sealed class EtaEstimatorTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Remaining_BeforeTheFirstSample_IsUnknown()
    {
        var eta = new EtaEstimator();
        eta.Observe(TimeSpan.FromMilliseconds(100), 5 * MiB, 10);

        Assert.Null(eta.Remaining(5 * MiB, 10));
    }

    [Fact]
    public void Remaining_SteadyRate_IsTheTimeLeftAtThatRate()
    {
        var eta = new EtaEstimator();
        // 1 MiB and 4 files a second, which is 2 MiB of work a second (a file counts FileCostBytes = 256 KiB).
        for (var s = 1; s <= 10; s++) eta.Observe(TimeSpan.FromSeconds(s), s * MiB, s * 4);

        var left = eta.Remaining(20 * MiB, 80);

        Assert.NotNull(left);
        Assert.Equal(20, left.Value.TotalSeconds, precision: 6);
    }

    [Fact]
    public void Remaining_BurstsAndStallsOfASecond_MoveItByLittle()
    {
        var eta = new EtaEstimator();
        var done = 0L;
        // 2 MiB/s on average: alternately 4 MiB in one second, then nothing the next (a stall).
        for (var s = 1; s <= 50; s++)
        {
            done += s % 2 == 1 ? 4 * MiB : 0;
            eta.Observe(TimeSpan.FromSeconds(s), done, 0);
            if (s < 20) continue;
            // The last second's rate would halve the time left after a burst and find no end after a stall;
            // the smoothed one stays within 15 % of the time left at the average rate.
            var left = 120 * MiB - done;
            var estimate = eta.Remaining(left, 0)!.Value.TotalSeconds;
            Assert.InRange(estimate / (left / (2.0 * MiB)), 0.85, 1.15);
        }
    }

    [Fact]
    public void Remaining_BigFilesFirst_CountsTheManySmallFilesLeft()
    {
        var eta = new EtaEstimator();
        // 10 files of 8 MiB went in 4 s; 9,990 files of 4 KiB are left. Bytes alone would say 95 % done.
        eta.Observe(TimeSpan.FromSeconds(4), 80 * MiB, 10);
        var bytesOnly = 4.0 * (9_990 * 4096) / (80 * MiB);

        var left = eta.Remaining(9_990 * 4096, 9_990)!.Value.TotalSeconds;

        Assert.True(left > 10 * bytesOnly, $"{left} s left; bytes alone say {bytesOnly} s");
    }
}
