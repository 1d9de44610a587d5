using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// Diagnostics go to stderr (warnings by default, everything with --verbose) and never to stdout, which
/// belongs to the user's output and --json. Exceptions are rendered only when asked for: a user mistake
/// must not print a stack trace.
/// </summary>
public static class Logging
{
    public static Logger Create(bool verbose, TextWriter stderr, CliHost host)
    {
        var template = verbose
            ? "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}"
            : "[{Level:u3}] {Message:lj}{NewLine}";
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Sink(new TextWriterSink(stderr, new MessageTemplateTextFormatter(template, System.Globalization.CultureInfo.InvariantCulture)));
        var file = LogFile(host.Environment);
        if (!string.IsNullOrEmpty(file))
            configuration = configuration.WriteTo.File(Path.GetFullPath(file, host.WorkingDirectory), outputTemplate: "[{Timestamp:o} {Level:u3}] {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return configuration.CreateLogger();
    }

    /// <summary>
    /// <c>Logging:File</c>, from the environment only (logging starts before jamdeploy.json is read), spelled
    /// in any case as every other <c>JAMDEPLOY__</c> variable may be.
    /// </summary>
    private static string? LogFile(IReadOnlyDictionary<string, string?> environment)
    {
        var name = ConfigurationLoader.VariableName(ConfigurationLoader.LogFileKey);
        return environment.Where(v => v.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).OrderBy(v => v.Key, StringComparer.Ordinal)
            .Select(v => v.Value).LastOrDefault(v => !string.IsNullOrEmpty(v));
    }
}

/// <summary>
/// Writes log events to the invocation's stderr writer (a test can capture it): each at once, or, in a run of events
/// (<see cref="LogBatch"/>: serve's request log), the whole run in one write at its end.
/// </summary>
internal sealed class TextWriterSink : ILogEventSink
{
    /// <summary>Text held for a run's end is written once it reaches this size, so a long run is not all held.</summary>
    internal const int MaxHeld = 64 << 10;

    private readonly Lock _gate = new();
    private readonly StringWriter _held = new(System.Globalization.CultureInfo.InvariantCulture);
    private readonly TextWriter _writer;
    private readonly ITextFormatter _formatter;
    private readonly Action _flush;

    public TextWriterSink(TextWriter writer, ITextFormatter formatter)
    {
        (_writer, _formatter) = (writer, formatter);
        _flush = Flush;
    }

    // One write per event or run: stderr flushes on every write, and a formatter writes a line in many pieces
    // (measured: per-piece writes cut `jamdeploy serve` to a quarter of its request rate).
    public void Emit(LogEvent logEvent)
    {
        bool full;
        lock (_gate)
        {
            var text = _held.GetStringBuilder();
            var before = text.Length;
            try
            {
                _formatter.Format(logEvent, _held);
            }
            catch
            {
                // No half line is left to be written with the next one.
                text.Length = before;
                throw;
            }
            full = text.Length >= MaxHeld;
        }
        if (full || !LogBatch.Defer(_flush)) Flush();
    }

    private void Flush()
    {
        lock (_gate)
        {
            var text = _held.GetStringBuilder();
            if (text.Length == 0) return;
            try
            {
                _writer.Write(text);
                _writer.Flush();
            }
            finally
            {
                text.Clear();
            }
        }
    }
}
