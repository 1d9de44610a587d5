namespace Jamdeploy.Cli.Output;

/// <summary>
/// The time left in a stage, from a smoothed rate rather than the last instant's. Two choices make it stable:
/// <list type="bullet">
/// <item>Work counts files as well as bytes: a file costs <see cref="FileCostBytes"/> on top of its size (a request
/// round trip moves about that much at common upload speeds). Uploads send big files first, so a bytes-only
/// estimate races ahead early and then crawls through thousands of small files.</item>
/// <item>The rate is sampled at most every <see cref="SampleInterval"/> and smoothed by an exponential moving
/// average with time constant <see cref="TimeConstant"/> (weight 1 − e^(−Δt/τ) per sample), so a burst or a stall
/// of a second moves the estimate by a tenth, not to 0 s or to minutes.</item>
/// </list>
/// Pure: the caller passes the time since the stage began.
/// </summary>
public sealed class EtaEstimator
{
    public const long FileCostBytes = 256 * 1024;

    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan TimeConstant = TimeSpan.FromSeconds(5);

    /// <summary>Beyond this the estimate says nothing useful (a stalled stage).</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromHours(100);

    private double? _rate;
    private TimeSpan _sampledAt;
    private double _sampledWork;

    /// <summary>Records how far the stage is at <paramref name="elapsed"/> since it began; ignored until a sample interval has passed.</summary>
    public void Observe(TimeSpan elapsed, long bytesDone, int filesDone)
    {
        var seconds = (elapsed - _sampledAt).TotalSeconds;
        if (seconds < SampleInterval.TotalSeconds) return;
        var work = Work(bytesDone, filesDone);
        var instant = Math.Max(0, work - _sampledWork) / seconds;
        var weight = 1 - Math.Exp(-seconds / TimeConstant.TotalSeconds);
        _rate = _rate is { } rate ? rate + weight * (instant - rate) : instant;
        (_sampledAt, _sampledWork) = (elapsed, work);
    }

    /// <summary>The time the rest takes at the smoothed rate; null before the first sample or when nothing moves.</summary>
    public TimeSpan? Remaining(long bytesLeft, int filesLeft)
    {
        if (_rate is not { } rate || rate <= 0) return null;
        var seconds = Work(Math.Max(0, bytesLeft), Math.Max(0, filesLeft)) / rate;
        return seconds > Longest.TotalSeconds ? null : TimeSpan.FromSeconds(seconds);
    }

    private static double Work(long bytes, int files) => bytes + (double)files * FileCostBytes;
}
