using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Jamdeploy.TestSupport;

/// <summary>
/// The one test log sink: keeps every event, for assertions on what the log says and never says (a secret
/// must not appear in the message, a property or an exception, so <see cref="Lines"/> renders all three).
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    /// <summary>A logger writing every level to this capture.</summary>
    public ILogger Logger() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public void Emit(LogEvent logEvent)
    {
        lock (_events) _events.Add(logEvent);
    }

    public IReadOnlyList<LogEvent> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    /// <summary>Each event as one line: level, rendered message, every property, the exception.</summary>
    public IReadOnlyList<string> Lines => [.. Events.Select(Render)];

    /// <summary>
    /// Waits until the log holds what the test expects (a background writer may still be behind); after 30 s,
    /// fails with every line it does hold. Give a test that waits here a longer timeout than that.
    /// </summary>
    public async Task WaitUntilAsync(Func<LogCapture, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition(this))
        {
            if (timeout.IsCancellationRequested)
                throw new TimeoutException($"the log did not say what the test waited for within 30 s; it holds:\n{string.Join('\n', Lines)}");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private static string Render(LogEvent e)
    {
        var properties = string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}"));
        return $"{e.Level} {e.RenderMessage()} {properties} {e.Exception}";
    }
}
