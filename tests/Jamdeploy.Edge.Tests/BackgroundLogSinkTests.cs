using Jamdeploy.TestSupport;
using Jamdeploy.Edge.Tests.Support;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;

namespace Jamdeploy.Edge.Tests;

public sealed class BackgroundLogSinkTests
{
    private static LogEvent Event(int n) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse($"event {n}"), []);

    [Fact(Timeout = 30000)]
    public async Task Dispose_AfterEmitting_EveryEventReachesTheTarget()
    {
        var capture = new LogCapture();
        var sink = new BackgroundLogSink(new LoggerConfiguration().WriteTo.Sink(capture).CreateLogger());

        for (var i = 0; i < 500; i++) sink.Emit(Event(i));
        await Task.Run(sink.Dispose);

        Assert.Equal(500, capture.Events.Count);
        Assert.Equal("event 499", capture.Events[^1].RenderMessage());
    }

    [Fact(Timeout = 30000)]
    public async Task Emit_WhileTheTargetIsStuck_DropsBeyondCapacityAndSaysHowMany()
    {
        var capture = new LogCapture();
        using var stuck = new ManualResetEventSlim();
        var target = new LoggerConfiguration().WriteTo.Sink(new BlockingSink(stuck, capture)).CreateLogger();
        var sink = new BackgroundLogSink(target);
        const int emitted = BackgroundLogSink.Capacity + 500;

        for (var i = 0; i < emitted; i++) sink.Emit(Event(i));
        stuck.Set();
        await Task.Run(sink.Dispose);

        var warning = Assert.Single(capture.Events, e => e.Level == LogEventLevel.Warning);
        var dropped = int.Parse(warning.Properties["Dropped"].ToString());
        Assert.InRange(dropped, 1, emitted);
        Assert.Equal(emitted, capture.Events.Count - 1 + dropped);
    }

    private sealed class BlockingSink(ManualResetEventSlim gate, LogCapture inner) : Serilog.Core.ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            gate.Wait();
            inner.Emit(logEvent);
        }
    }
}
