using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.Async;

namespace Jamdeploy.Edge;

/// <summary>
/// The edge's logger: it hands events to the caller's logger on a background thread (Serilog.Sinks.Async), so
/// a request never waits on log I/O (measured: writing the request line inline cost about a quarter of the
/// request rate). Bounded: when the writer falls behind by <see cref="BufferSize"/> events, new events are
/// dropped rather than slowing the server, and the log says how many once the writer gets to write again.
/// Disposing drains what is queued.
/// </summary>
internal static class EdgeLog
{
    public const int BufferSize = 10_000;

    public static Logger Create(ILogger target)
    {
        var report = new DropReport(target);
        // ASP.NET Core's own per-request lines repeat the request log and carry the query string; its start-up
        // lines repeat the CLI's. Events below the caller's level are not even made.
        return new LoggerConfiguration()
            .MinimumLevel.Is(Enum.GetValues<LogEventLevel>().FirstOrDefault(target.IsEnabled, LogEventLevel.Fatal))
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // Off: while this category is on at any level, ASP.NET Core starts an Activity and a log scope for every
            // request (a measurable share of a small page's CPU), for request lines the request log already writes.
            .MinimumLevel.Override(HostingDiagnosticsCategory, LevelAlias.Off)
            .Filter.ByExcluding(IsHostFailure)
            .WriteTo.Async(writer => writer.Sink(report), BufferSize, blockWhenFull: false, monitor: report)
            .CreateLogger();
    }

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// The generic host logs the exception that stopped it starting (a port in use) with its stack trace, then
    /// throws it to its caller, which says it in one line (jamdeploy serve): the stack trace would be noise.
    /// </summary>
    private static bool IsHostFailure(LogEvent logEvent) =>
        logEvent.Level >= LogEventLevel.Error && logEvent.Exception is not null
        && logEvent.Properties.TryGetValue(Serilog.Core.Constants.SourceContextPropertyName, out var source)
        && source is ScalarValue { Value: HostCategory };

    /// <summary>Writes to the target on the background thread, then says how many events were dropped since it last looked.</summary>
    private sealed class DropReport(ILogger target) : ILogEventSink, IAsyncLogEventSinkMonitor
    {
        private IAsyncLogEventSinkInspector? _buffer;
        private long _reported;

        public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _buffer = inspector;

        // Called after the queue is drained: drops since the last write are reported now.
        public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => ReportDrops();

        public void Emit(LogEvent logEvent)
        {
            target.Write(logEvent);
            ReportDrops();
        }

        private void ReportDrops()
        {
            var dropped = _buffer?.DroppedMessagesCount ?? 0;
            if (dropped == _reported) return;
            target.Warning("The log fell behind: {Dropped} log events were dropped", dropped - _reported);
            _reported = dropped;
        }
    }
}
