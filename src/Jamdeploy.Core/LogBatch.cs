using Serilog.Debugging;

namespace Jamdeploy;

/// <summary>
/// A run of log events written by one thread in a row (the edge's request log writer, Jamdeploy.Edge/EdgeLog.cs): a
/// sink that writes text holds it until the run ends, so the run costs one write instead of one per event (the
/// system call was a measurable share of a small page's CPU in <c>jamdeploy serve</c>). Outside a run, a sink writes
/// each event at once, as a command's diagnostics must be.
/// </summary>
public static class LogBatch
{
    [ThreadStatic] private static bool t_open;
    [ThreadStatic] private static List<Action>? t_flushes;

    /// <summary>Opens a run on this thread; disposing it runs what sinks deferred, each once.</summary>
    public static Run Open()
    {
        t_open = true;
        return default;
    }

    /// <summary>
    /// In a run: keeps <paramref name="flush"/> (once, however often it is deferred) for its end and returns true.
    /// Outside one: false, and the caller writes now.
    /// </summary>
    public static bool Defer(Action flush)
    {
        if (!t_open) return false;
        var flushes = t_flushes ??= [];
        if (!flushes.Contains(flush)) flushes.Add(flush);
        return true;
    }

    public readonly struct Run : IDisposable
    {
        public void Dispose()
        {
            t_open = false;
            if (t_flushes is not { Count: > 0 } flushes) return;
            foreach (var flush in flushes)
            {
                // As Serilog treats a sink that throws: the logger's own failure never reaches the code that logged.
                try
                {
                    flush();
                }
                catch (Exception e)
                {
                    SelfLog.WriteLine("Writing a run of log events failed: {0}", e);
                }
            }
            flushes.Clear();
        }
    }
}
