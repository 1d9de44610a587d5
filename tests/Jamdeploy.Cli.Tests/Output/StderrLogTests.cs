using Jamdeploy.Cli.Hosting;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace Jamdeploy.Cli.Tests.Output;

public sealed class StderrLogTests
{
    [Fact]
    public void Emit_OutsideARun_WritesEachLineAtOnce()
    {
        var stderr = new CountingWriter();
        var sink = Sink(stderr);

        sink.Emit(Event("first"));
        Assert.Equal("first\n", stderr.ToString());
        sink.Emit(Event("second"));

        Assert.Equal("first\nsecond\n", stderr.ToString());
        Assert.Equal(2, stderr.Writes);
    }

    [Fact]
    public void Emit_InARun_WritesTheWholeRunInOneWriteWhenItEnds()
    {
        var stderr = new CountingWriter();
        var sink = Sink(stderr);

        using (LogBatch.Open())
        {
            for (var i = 0; i < 3; i++) sink.Emit(Event($"line {i}"));
            Assert.Equal("", stderr.ToString());
        }

        Assert.Equal("line 0\nline 1\nline 2\n", stderr.ToString());
        Assert.Equal(1, stderr.Writes);
    }

    [Fact]
    public void Emit_InALongRun_WritesWhatItHoldsOnceItReachesTheLimit()
    {
        var stderr = new CountingWriter();
        var sink = Sink(stderr);
        var line = new string('x', 1023);
        const int lines = TextWriterSink.MaxHeld / 1024 + 10;

        using (LogBatch.Open())
        {
            for (var i = 0; i < lines; i++) sink.Emit(Event(line));
            Assert.Equal(1, stderr.Writes);
            Assert.Equal(TextWriterSink.MaxHeld, stderr.ToString().Length);
        }

        Assert.Equal(lines * 1024, stderr.ToString().Length);
        Assert.Equal(2, stderr.Writes);
    }

    private static TextWriterSink Sink(TextWriter stderr) =>
        new(stderr, new MessageTemplateTextFormatter("{Message:lj}\n", System.Globalization.CultureInfo.InvariantCulture));

    private static LogEvent Event(string text) =>
        new(DateTimeOffset.UnixEpoch, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text.Replace("{", "{{")), []);

    /// <summary>Counts the writes that reach the stream: the sink flushes after each.</summary>
    private sealed class CountingWriter() : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public int Writes { get; private set; }

        public override void Flush()
        {
            Writes++;
            base.Flush();
        }
    }
}
