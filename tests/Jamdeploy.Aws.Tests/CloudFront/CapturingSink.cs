using Serilog.Core;
using Serilog.Events;

namespace Jamdeploy.Aws.Tests.CloudFront;

/// <summary>A Serilog sink that keeps every event as the text a log file would hold (message, properties, exception).</summary>
internal sealed class CapturingSink : ILogEventSink
{
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<string> Lines { get { lock (_lock) return [.. _lines]; } }

    public void Emit(LogEvent logEvent)
    {
        var properties = string.Join(' ', logEvent.Properties.Select(p => $"{p.Key}={p.Value}"));
        var line = $"{logEvent.Level} {logEvent.RenderMessage()} {properties} {logEvent.Exception}";
        lock (_lock) _lines.Add(line);
    }
}
