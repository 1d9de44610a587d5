namespace Jamdeploy.Core.Tests;

public sealed class LogBatchTests
{
    [Fact]
    public void Defer_OutsideARun_TellsTheSinkToWriteNow()
    {
        var flushed = 0;
        Assert.False(LogBatch.Defer(() => flushed++));
        Assert.Equal(0, flushed);
    }

    [Fact]
    public void Defer_InARun_RunsEachSinksFlushOnceWhenTheRunEnds()
    {
        var first = 0;
        var second = 0;
        Action flushFirst = () => first++, flushSecond = () => second++;

        using (LogBatch.Open())
        {
            Assert.True(LogBatch.Defer(flushFirst));
            Assert.True(LogBatch.Defer(flushSecond));
            Assert.True(LogBatch.Defer(flushFirst));
            Assert.Equal((0, 0), (first, second));
        }

        Assert.Equal((1, 1), (first, second));
        Assert.False(LogBatch.Defer(flushFirst));
    }

    [Fact]
    public void EndingARun_WhenAFlushThrows_StillRunsTheOthersAndThrowsNothing()
    {
        var flushed = 0;
        var run = LogBatch.Open();
        LogBatch.Defer(() => throw new IOException("stderr is closed"));
        LogBatch.Defer(() => flushed++);

        run.Dispose();

        Assert.Equal(1, flushed);
    }

    [Fact]
    public async Task ARun_IsThisThreadsOnly()
    {
        using (LogBatch.Open())
        {
            var elsewhere = await Task.Factory.StartNew(() => LogBatch.Defer(() => { }), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.False(elsewhere);
        }
    }
}
