namespace Jamdeploy.Deploying;

/// <summary>
/// How many uploads a deploy keeps in flight. A user's <c>Deploy:UploadConcurrency</c> is kept as given. Unset, the
/// number adapts to the link: a deploy of many small files is bound by round trips, so on a distant store (S3 itself
/// takes hundreds of requests at once) more requests in flight carry more files a second, while on a near or busy one
/// they only queue. It starts at <see cref="Initial"/> and doubles, up to <see cref="Max"/>, as long as each doubling
/// carries at least <see cref="Gain"/> times the work a second of the step before; the first step that does not goes
/// back to the limit before it, which stays. TCP's slow start probes the same way.
/// </summary>
/// <remarks>
/// Work counts each upload as <see cref="FileCostBytes"/> plus its bytes (the progress ETA's measure), so neither a few
/// large files nor many small ones dominate. After each change, the first <c>limit</c> completions are not measured:
/// they started under the old limit, and the new slots open new connections. Only the count of completions and the
/// elapsed time the caller passes in are used, so the decisions are the same for the same sequence (tests feed one).
/// </remarks>
public sealed class UploadConcurrency
{
    /// <summary>Where an adaptive limit starts: enough to fill a near store, as the peers use (hugo 10, aws s3 sync 10).</summary>
    public const int Initial = 16;

    /// <summary>
    /// The most an adaptive limit reaches: at 50 ms a round trip, 128 small files in flight carry about 2,500 a second,
    /// more than a site's files or a single client's CPU need. The S3 store's connection pool (S3:MaxConcurrentRequests)
    /// defaults to this, so it never holds the limit back.
    /// </summary>
    public const int Max = 128;

    /// <summary>The most <c>Deploy:UploadConcurrency</c> may be set to.</summary>
    public const int MaxSetting = 256;

    /// <summary>A doubling is kept when it brings this much more work a second; less is noise, or a store already busy.</summary>
    public const double Gain = 1.25;

    /// <summary>What an upload costs beyond its bytes (a request, a round trip), in bytes.</summary>
    public const long FileCostBytes = 256 * 1024;

    private readonly Lock _lock = new();
    private readonly int _max;
    private int _limit;
    private bool _settled;
    private int _previousLimit;
    private double _previousRate;
    private int _toSkip;
    private int _measured;
    private double _work;
    private TimeSpan _windowStart;

    private UploadConcurrency(int initial, int max, bool settled)
    {
        if (initial < 1 || max < initial) throw new ArgumentOutOfRangeException(nameof(initial), $"need 1 <= initial ({initial}) <= max ({max})");
        _limit = initial;
        _max = max;
        _settled = settled;
        _toSkip = initial;
    }

    /// <summary>
    /// The user's setting when given, else an adaptive limit. The probe measures its first doubling only after
    /// <see cref="Initial"/> uploads skipped and twice as many measured, so a deploy of no more uploads than that would
    /// stay at <see cref="Initial"/> to the end, one round trip per wave: it sends them all at once instead (33 of a
    /// 1 % change of the Python docs in one wave, not three).
    /// </summary>
    /// <param name="uploads">What the deploy will send: blobs and precompressed forms.</param>
    public static UploadConcurrency For(DeployOptions options, int uploads) =>
        options.UploadConcurrency is { } n ? Fixed(n)
        : uploads <= ProbeLength ? Fixed(Math.Max(1, uploads))
        : Adaptive();

    /// <summary>The uploads an adaptive limit completes before it can first double.</summary>
    public const int ProbeLength = 3 * Initial;

    /// <summary>Always <paramref name="limit"/>.</summary>
    public static UploadConcurrency Fixed(int limit) => new(limit, limit, settled: true);

    /// <summary>From <paramref name="initial"/>, doubling up to <paramref name="max"/> while throughput grows.</summary>
    public static UploadConcurrency Adaptive(int initial = Initial, int max = Max) => new(initial, max, settled: initial == max);

    /// <summary>Uploads to keep in flight now.</summary>
    public int Limit
    {
        get
        {
            lock (_lock) return _limit;
        }
    }

    /// <summary>The most <see cref="Limit"/> can ever be: the number of upload slots to create.</summary>
    public int Ceiling => _max;

    /// <summary>Whether the limit has stopped changing.</summary>
    public bool Settled
    {
        get
        {
            lock (_lock) return _settled;
        }
    }

    /// <summary>One upload finished (successfully) <paramref name="elapsed"/> after the uploads began; returns the limit from now on.</summary>
    public int Completed(TimeSpan elapsed, long bytes)
    {
        lock (_lock)
        {
            if (_settled) return _limit;
            if (_toSkip > 0)
            {
                // The completion that ends the ramp starts the window: the work after it is measured against the time after it.
                if (--_toSkip == 0) _windowStart = elapsed;
                return _limit;
            }
            _measured++;
            _work += FileCostBytes + bytes;
            if (_measured < 2 * _limit) return _limit;

            var seconds = (elapsed - _windowStart).TotalSeconds;
            // No time passed (a clock that does not move): nothing to go by, so nothing changes.
            if (seconds <= 0) return Settle(_limit);
            var rate = _work / seconds;
            if (_previousRate > 0 && rate < _previousRate * Gain) return Settle(_previousLimit);
            if (_limit >= _max) return Settle(_limit);
            _previousLimit = _limit;
            _previousRate = rate;
            _limit = Math.Min(_max, _limit * 2);
            _toSkip = _limit;
            _measured = 0;
            _work = 0;
            return _limit;
        }
    }

    private int Settle(int limit)
    {
        _limit = limit;
        _settled = true;
        return limit;
    }
}
