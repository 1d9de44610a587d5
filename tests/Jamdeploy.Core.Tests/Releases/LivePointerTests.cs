using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Core.Tests.Releases;

public sealed class LivePointerTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;
    private static ReleaseId Id(string s) => ReleaseId.Parse(s);

    [Fact]
    public void Previous_AfterDeploys_IsTheReleaseLiveBeforeTheCurrentOne()
    {
        var p = LivePointer.First(Id("a"), At, FlipAction.Deploy).MoveTo(Id("b"), At, FlipAction.Deploy).MoveTo(Id("c"), At, FlipAction.Deploy);
        Assert.Equal(Id("b"), p.Previous());
    }

    [Fact]
    public void Previous_AfterRollbackAndRedeploy_IsTheRolledBackTo()
    {
        var p = LivePointer.First(Id("a"), At, FlipAction.Deploy).MoveTo(Id("b"), At, FlipAction.Deploy)
            .MoveTo(Id("a"), At, FlipAction.Rollback).MoveTo(Id("c"), At, FlipAction.Deploy);
        Assert.Equal(Id("a"), p.Previous());
    }

    [Fact]
    public void Previous_WithOnlyOneReleaseEverLive_IsNone()
    {
        var p = LivePointer.First(Id("a"), At, FlipAction.Deploy).MoveTo(Id("a"), At, FlipAction.Promote);
        Assert.Null(p.Previous());
    }

    [Fact]
    public void RollbackTarget_AfterARollback_IsNone_SoARetriedRollbackNeverFlipsBack()
    {
        var p = LivePointer.First(Id("a"), At, FlipAction.Deploy).MoveTo(Id("b"), At, FlipAction.Deploy).MoveTo(Id("a"), At, FlipAction.Rollback);
        Assert.Null(p.RollbackTarget());
        Assert.Equal(Id("a"), p.LastRollback?.Release);
    }

    [Fact]
    public void RollbackTarget_AfterARollbackThenADeploy_IsTheRolledBackTo()
    {
        var p = LivePointer.First(Id("a"), At, FlipAction.Deploy).MoveTo(Id("b"), At, FlipAction.Deploy)
            .MoveTo(Id("a"), At, FlipAction.Rollback).MoveTo(Id("c"), At, FlipAction.Deploy);
        Assert.Equal(Id("a"), p.RollbackTarget());
        Assert.Null(p.LastRollback);
    }

    [Fact]
    public void MoveTo_PastTheLimit_DropsTheOldestEntries()
    {
        var p = LivePointer.First(Id("r0"), At, FlipAction.Deploy);
        for (var i = 1; i < 10; i++) p = p.MoveTo(Id($"r{i}"), At, FlipAction.Deploy, historyLimit: 4);
        Assert.Equal(["r6", "r7", "r8", "r9"], p.History.Select(h => h.Release.Value));
    }

    [Theory]
    [InlineData("20261124-101500-3f9a1c", true)]
    [InlineData("preview.1", true)]
    [InlineData("../x", false)]
    [InlineData("a/b", false)]
    [InlineData("UPPER", false)]
    [InlineData(".hidden", false)]
    [InlineData("", false)]
    public void ReleaseId_TryParse_AcceptsOnlyKeySafeNames(string text, bool valid) =>
        Assert.Equal(valid, ReleaseId.TryParse(text, out _));
}
