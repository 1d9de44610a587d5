using Jamdeploy.Model;
using Jamdeploy.Storage;
using Serilog;
using ReleaseStore = Jamdeploy.Releases.ReleaseStore;

namespace Jamdeploy.Edge;

/// <summary>
/// Freshness for the edge. Manifests are immutable, so they are cached by release id (bounded by count,
/// least recently used out). The live pointer is re-read when its last read is older than
/// <see cref="ServeOptions.PointerTtl"/> (one read at a time, shared by the requests that wait for it), and
/// at once by <see cref="RefreshNowAsync"/>, which the purge endpoint calls.
///
/// Ordering matters in production: a CDN invalidation issued while an origin still serves the old release
/// makes the CDN fetch and re-cache the old file for its whole TTL. So the deploy purges every origin first
/// and invalidates the CDN only after each origin answered the purge, and the purge returns only after the
/// origin re-read the pointer and installed what it read. A purge therefore never joins a pointer read
/// that was already in flight (that read may have started before the flip); and a read installs its result
/// only when it started after the one installed, so a slow older read cannot bring the old release back.
/// </summary>
public sealed class LiveReleaseCache
{
    private readonly ReleaseStore _documents;
    private readonly ServeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly BoundedCache<ReleaseId, ServedRelease?> _manifests;
    private readonly Func<ReleaseId, LiveReleaseCache, Task<ServedRelease?>> _loadRelease = static (id, self) => self.LoadReleaseAsync(id);
    private readonly Lock _gate = new();
    private Snapshot? _current;
    private Task<Snapshot>? _refreshing;
    private long _reads;

    public LiveReleaseCache(IObjectStore store, ServeOptions options, TimeProvider time, ILogger log)
    {
        _documents = new ReleaseStore(store);
        _options = options;
        _time = time;
        _log = log.ForContext<LiveReleaseCache>();
        // Bounded by count. A load is bound to no request (others may wait for it); a missing release is not
        // remembered (it may be written a moment later).
        _manifests = new BoundedCache<ReleaseId, ServedRelease?>(options.ManifestCacheSize, _ => 1);
    }

    /// <param name="ReadNumber">Reads are numbered when they start; a higher number saw the store later.</param>
    private sealed record Snapshot(LiveState State, long ReadNumber, long ReadAt);

    /// <summary>The live release as of a pointer read no older than the TTL (or the last good read while the store fails).</summary>
    public async ValueTask<LiveState> GetLiveAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && _time.GetElapsedTime(current.ReadAt) < _options.PointerTtl) return current.State;

        Task<Snapshot> refresh;
        lock (_gate)
        {
            refresh = _refreshing ??= StartSharedRead();
        }
        try
        {
            return (await refresh.WaitAsync(cancellationToken)).State;
        }
        catch (JamdeployException e) when (current is not null)
        {
            _log.Warning("Could not re-read the live pointer from {Store}, still serving {Release}: {Reason}",
                _documents.Objects.Location, current.State.Release?.Id.Value ?? "nothing", e.Message);
            return current.State;
        }
    }

    /// <summary>Reads the pointer now, ignoring any read in flight, and returns once what it read is what the edge serves.</summary>
    public async Task<LiveState> RefreshNowAsync(CancellationToken cancellationToken) =>
        (await ReadAndInstallAsync(Interlocked.Increment(ref _reads), cancellationToken)).State;

    /// <summary>Any release by id (previews, asset fallback), or null when the store has no such release.</summary>
    public ValueTask<ServedRelease?> GetReleaseAsync(ReleaseId id, CancellationToken cancellationToken) =>
        _manifests.GetAsync(id, this, _loadRelease, cancellationToken);

    /// <summary>
    /// The releases live before this one, newest first, at most <see cref="ServeOptions.AssetFallbackReleases"/>:
    /// they still answer for fingerprinted names, so a page loaded just before a flip gets its own assets.
    /// </summary>
    public async IAsyncEnumerable<ServedRelease> PreviousReleasesAsync(LiveState live, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (live.Pointer is null || live.Release is null) yield break;
        var seen = new HashSet<ReleaseId> { live.Release.Id };
        var history = live.Pointer.History;
        for (var i = history.Count - 1; i >= 0 && seen.Count <= _options.AssetFallbackReleases; i--)
        {
            if (!seen.Add(history[i].Release)) continue;
            var release = await GetReleaseAsync(history[i].Release, cancellationToken);
            if (release is not null) yield return release;
        }
    }

    private Task<Snapshot> StartSharedRead()
    {
        var read = ReadAndInstallAsync(Interlocked.Increment(ref _reads), CancellationToken.None);
        read.ContinueWith(done =>
        {
            lock (_gate)
            {
                if (_refreshing == done) _refreshing = null;
                // While the store fails, keep the last good read for another TTL instead of retrying on every request.
                if (done.IsFaulted && _current is not null) Volatile.Write(ref _current, _current with { ReadAt = _time.GetTimestamp() });
            }
        }, TaskScheduler.Default);
        return read;
    }

    private async Task<Snapshot> ReadAndInstallAsync(long readNumber, CancellationToken cancellationToken)
    {
        var read = new Snapshot(await ReadLiveAsync(cancellationToken), readNumber, _time.GetTimestamp());
        lock (_gate)
        {
            if (_current is null || _current.ReadNumber < readNumber)
            {
                if (_current?.State.Release?.Id != read.State.Release?.Id)
                    _log.Information("Now serving {Release} from {Store}", read.State.Release?.Id.Value ?? "nothing", _documents.Objects.Location);
                Volatile.Write(ref _current, read);
            }
            return _current;
        }
    }

    private async Task<LiveState> ReadLiveAsync(CancellationToken cancellationToken)
    {
        if ((await _documents.ReadLiveAsync(cancellationToken)).Pointer is not { } pointer) return LiveState.NothingDeployed;
        var release = await GetReleaseAsync(pointer.Live, cancellationToken) ?? throw _documents.LiveManifestMissing(pointer.Live);
        return new LiveState(release, pointer);
    }

    // Bound to no request: others may be waiting for the same load (BoundedCache).
    private async Task<ServedRelease?> LoadReleaseAsync(ReleaseId id) =>
        await _documents.TryReadManifestAsync(id, CancellationToken.None) is { } manifest ? ServedRelease.From(manifest) : null;
}
