using Jamdeploy.TestSupport;
using Jamdeploy.Edge.Tests.Support;
using Serilog;
using Serilog.Events;

namespace Jamdeploy.Edge.Tests;

public sealed class EdgeLogTests
{
    [Fact(Timeout = 30000)]
    public async Task Dispose_AfterLogging_EveryEventReachesTheTarget()
    {
        var capture = new LogCapture();
        var log = EdgeLog.Create(new LoggerConfiguration().WriteTo.Sink(capture).CreateLogger());

        for (var i = 0; i < 500; i++) log.Information("event {N}", i);
        await Task.Run(log.Dispose);

        Assert.Equal(500, capture.Events.Count);
        Assert.Equal("event 499", capture.Events[^1].RenderMessage());
    }

    [Fact(Timeout = 30000)]
    public async Task Log_WhileTheTargetIsStuck_NeverWaitsDropsBeyondTheBufferAndSaysHowMany()
    {
        var capture = new LogCapture();
        using var stuck = new ManualResetEventSlim();
        var log = EdgeLog.Create(new LoggerConfiguration().WriteTo.Sink(new BlockingSink(stuck, capture)).CreateLogger());
        const int emitted = EdgeLog.BufferSize + 500;

        // Were logging to wait for room, this would never finish (the target stays stuck until after it).
        await Task.Run(() =>
        {
            for (var i = 0; i < emitted; i++) log.Information("event {N}", i);
        });
        stuck.Set();
        await Task.Run(log.Dispose);

        var warning = Assert.Single(capture.Events, e => e.Level == LogEventLevel.Warning);
        var dropped = int.Parse(warning.Properties["Dropped"].ToString());
        Assert.InRange(dropped, 1, emitted);
        Assert.Equal(emitted, capture.Events.Count - 1 + dropped);
    }

    [Fact(Timeout = 30000)]
    public async Task Log_ABurstOfEvents_ReachesTheTargetAsRunsOfLines()
    {
        var target = new RunRecordingSink();
        var log = EdgeLog.Create(new LoggerConfiguration().WriteTo.Sink(target).CreateLogger());

        for (var i = 0; i < 200; i++) log.Information("event {N}", i);
        await Task.Run(log.Dispose);

        // Every event arrived inside a run, and the 200 took fewer runs than events (a text sink writes a run at once).
        Assert.Equal(200, target.Events);
        Assert.Equal(200, target.InRun);
        Assert.InRange(target.Runs, 1, 199);
    }

    [Fact(Timeout = 30000)]
    public async Task Log_WhileTheTargetThrows_KeepsWritingEveryLaterEvent()
    {
        var target = new ThrowingSink();
        var log = EdgeLog.Create(new LoggerConfiguration().WriteTo.Sink(target).CreateLogger());

        for (var i = 0; i < 50; i++) log.Information("event {N}", i);
        await Task.Run(log.Dispose);

        // Had a failure ended the writer's thread, the target would have seen one event.
        Assert.Equal(50, target.Attempts);
    }

    private sealed class ThrowingSink : Serilog.Core.ILogEventSink
    {
        public int Attempts { get; private set; }

        public void Emit(LogEvent logEvent)
        {
            Attempts++;
            throw new IOException("stderr is closed");
        }
    }

    private sealed class RunRecordingSink : Serilog.Core.ILogEventSink
    {
        private readonly Action _endOfRun;

        public RunRecordingSink() => _endOfRun = () => Runs++;

        public int Events { get; private set; }
        public int InRun { get; private set; }
        public int Runs { get; private set; }

        public void Emit(LogEvent logEvent)
        {
            Events++;
            if (LogBatch.Defer(_endOfRun)) InRun++;
        }
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
