using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Jamdeploy.Edge;

/// <summary>
/// The edge's logger: it hands events to the caller's logger on a thread of its own (<see cref="BackgroundLogWriter"/>),
/// so a request never waits on log I/O (measured: writing the request line inline cost about a quarter of the
/// request rate). Bounded: when the writer falls behind by <see cref="BufferSize"/> events, new events are
/// dropped rather than slowing the server, and the log says how many once the writer gets to write again.
/// Disposing drains what is queued.
/// </summary>
internal static class EdgeLog
{
    public const int BufferSize = 10_000;

    public static Logger Create(ILogger target)
    {
        // ASP.NET Core's own per-request lines repeat the request log and carry the query string; its start-up
        // lines repeat the CLI's. Events below the caller's level are not even made.
        return new LoggerConfiguration()
            .MinimumLevel.Is(Enum.GetValues<LogEventLevel>().FirstOrDefault(target.IsEnabled, LogEventLevel.Fatal))
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // Off: while this category is on at any level, ASP.NET Core starts an Activity and a log scope for every
            // request (a measurable share of a small page's CPU), for request lines the request log already writes.
            .MinimumLevel.Override(HostingDiagnosticsCategory, LevelAlias.Off)
            .Filter.ByExcluding(IsHostFailure)
            .WriteTo.Sink(new BackgroundLogWriter(target, BufferSize))
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
}
