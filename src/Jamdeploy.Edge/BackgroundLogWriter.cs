using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Jamdeploy.Edge;

/// <summary>
/// Passes events to a target logger on a thread of its own, in runs (<see cref="LogBatch"/>): woken by the first
/// event after a quiet spell, it lets events gather for <see cref="Gather"/>, then writes all that are queued as
/// one run, which a text sink sends in one write. Under load that is one wake-up and one write per few
/// milliseconds of requests rather than per request (each was a system call, and the wake-ups context switches,
/// in a profile of a small page). A lone event waits at most that long.
/// Bounded: beyond <c>capacity</c> queued events, new ones are dropped, never waited for, and the next run says
/// how many. Disposing writes what is queued, then stops the thread.
/// </summary>
internal sealed class BackgroundLogWriter : ILogEventSink, IDisposable
{
    internal static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(2);

    /// <summary>The most events in one run: under a steady flood a run still ends, and its text is written.</summary>
    internal const int MaxRun = 1_000;

    private readonly ConcurrentQueue<LogEvent> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ILogger _target;
    private readonly int _capacity;
    private readonly Thread _thread;
    private int _queued;
    private int _sleeping;
    private long _dropped;
    private long _reported;
    private volatile bool _stopping;

    public BackgroundLogWriter(ILogger target, int capacity)
    {
        (_target, _capacity) = (target, capacity);
        _thread = new Thread(Run) { IsBackground = true, Name = "jamdeploy log" };
        _thread.UnsafeStart();
    }

    public void Emit(LogEvent logEvent)
    {
        if (Interlocked.Increment(ref _queued) > _capacity)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _queue.Enqueue(logEvent);
        // Only the sender that finds the writer asleep wakes it; the rest add to the run it is gathering.
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
    }

    private void Run()
    {
        while (true)
        {
            while (WriteRun()) { }
            if (_stopping) return;
            Interlocked.Exchange(ref _sleeping, 1);
            if (_queue.IsEmpty && !_stopping)
            {
                _wake.Wait();
            }
            else if (Interlocked.Exchange(ref _sleeping, 0) == 0)
            {
                // An event came in after the last look, and its sender saw this thread asleep and woke it: take
                // that wake-up now, so the next wait is a real one.
                _wake.Wait();
            }
            if (!_stopping) Thread.Sleep(Gather);
        }
    }

    /// <summary>Writes up to <see cref="MaxRun"/> queued events as one run; true when it stopped at that limit.</summary>
    private bool WriteRun()
    {
        var written = 0;
        using (LogBatch.Open())
        {
            while (written < MaxRun && _queue.TryDequeue(out var logEvent))
            {
                Interlocked.Decrement(ref _queued);
                // A Serilog logger never throws for a sink that does, so a failing target cannot end this thread.
                _target.Write(logEvent);
                written++;
            }
            var dropped = Interlocked.Read(ref _dropped);
            if (dropped != _reported)
            {
                _target.Warning("The log fell behind: {Dropped} log events were dropped", dropped - _reported);
                _reported = dropped;
            }
        }
        return written == MaxRun;
    }

    public void Dispose()
    {
        _stopping = true;
        if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
        _thread.Join();
        _wake.Dispose();
    }
}
