using System.Collections.Immutable;
using Jamdeploy.Cleanup;
using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Core.Tests.Cleanup;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    // Five releases made 30, 20, 10, 3 and 1 days ago; r6 is a deploy made 10 minutes ago that is not live.
    private static readonly ReleaseAge[] Releases =
    [
        Made("r1", TimeSpan.FromDays(30)),
        Made("r2", TimeSpan.FromDays(20)),
        Made("r3", TimeSpan.FromDays(10)),
        Made("r4", TimeSpan.FromDays(3)),
        Made("r5", TimeSpan.FromDays(1)),
    ];

    private static readonly RetentionRules KeepNothingOptional = new() { KeepLast = 0, KeepFor = TimeSpan.Zero, GracePeriod = TimeSpan.Zero };

    /// <summary>One row: the rules, the pointer's history (oldest first, the last is live), the pins, and what is kept why.</summary>
    public sealed record Row(string Name, RetentionRules Rules, (string Id, TimeSpan Ago)[] History, string[] Pins, string Kept, ReleaseAge[]? Extra = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Row> Rows => new()
    {
        new("live is kept when every rule lets it go",
            KeepNothingOptional, [("r1", Days(30))], [], "r1:Live"),
        new("pinned is kept",
            KeepNothingOptional, [("r5", Days(1))], ["r2"], "r2:Pinned r5:Live"),
        new("the newest N are kept",
            KeepNothingOptional with { KeepLast = 2 }, [("r5", Days(1))], [], "r4:Newest r5:Live, Newest"),
        new("N counts the live release among the newest",
            KeepNothingOptional with { KeepLast = 2 }, [("r1", Days(30))], [], "r1:Live r4:Newest r5:Newest"),
        new("releases younger than D are kept",
            KeepNothingOptional with { KeepFor = TimeSpan.FromDays(5) }, [("r5", Days(1))], [], "r4:Young r5:Live, Young"),
        new("a release exactly D old is let go",
            KeepNothingOptional with { KeepFor = TimeSpan.FromDays(3) }, [("r5", Days(1))], [], "r5:Live, Young"),
        new("old and pinned is kept by its pin alone",
            KeepNothingOptional with { KeepLast = 2, KeepFor = TimeSpan.FromDays(7) }, [("r5", Days(1))], ["r1"],
            "r1:Pinned r4:Newest, Young r5:Live, Newest, Young"),
        new("the rollback target is kept",
            KeepNothingOptional, [("r2", Days(20)), ("r5", Days(1))], [], "r2:RollbackTarget r5:Live"),
        new("every release live within the grace period is kept, and where rollback went from each",
            KeepNothingOptional with { GracePeriod = TimeSpan.FromHours(24) },
            [("r1", Days(30)), ("r2", Days(20)), ("r3", TimeSpan.FromHours(2)), ("r5", TimeSpan.FromHours(1))], [],
            "r1:RollbackTarget r2:RollbackTarget, LiveWithinGrace r3:RollbackTarget, LiveWithinGrace r5:Live"),
        new("a release replaced before the grace period began is let go",
            KeepNothingOptional with { GracePeriod = TimeSpan.FromHours(1) },
            [("r1", Days(30)), ("r2", Days(20)), ("r3", TimeSpan.FromHours(2)), ("r5", TimeSpan.FromMinutes(30))], [],
            "r2:RollbackTarget r3:RollbackTarget, LiveWithinGrace r5:Live"),
        new("a release made within the grace period is kept before it goes live",
            KeepNothingOptional with { GracePeriod = TimeSpan.FromHours(1) }, [("r5", Days(1))], [],
            "r5:Live r6:MadeWithinGrace", [Made("r6", TimeSpan.FromMinutes(10))]),
        new("with nothing live, only the rules keep releases",
            KeepNothingOptional with { KeepLast = 1 }, [], [], "r5:Newest"),
        new("a pin on a release that no longer exists keeps nothing",
            KeepNothingOptional, [("r5", Days(1))], ["gone"], "r5:Live"),
        new("defaults keep the newest 10 and a week",
            RetentionRules.Default, [("r5", Days(1))], [], "r1:Newest r2:Newest r3:Newest r4:Newest, Young r5:Live, Newest, Young"),
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Decide_Row_KeepsExactlyTheExpectedReleases(Row row)
    {
        var pointer = row.History.Length == 0 ? null : PointerOf(row.History);
        var pins = row.Pins.Select(ReleaseId.Parse).ToHashSet();

        var decisions = RetentionPolicy.Decide([.. Releases, .. row.Extra ?? []], pointer, pins, Now, row.Rules);

        Assert.Equal(row.Kept, Describe(decisions));
        Assert.Equal(Releases.Length + (row.Extra?.Length ?? 0), decisions.Count);
    }

    [Fact]
    public void Decide_HistoryCutInsideTheGracePeriod_KeepsEveryReleaseThatMightHaveBeenLive()
    {
        // 100 flips in the last hour between r4 and r5: the release live before them fell off the history.
        var flips = Enumerable.Range(0, LivePointer.DefaultHistoryLimit)
            .Select(i => (i % 2 == 0 ? "r4" : "r5", TimeSpan.FromMinutes(60 - i * 0.5)))
            .ToArray();
        var pointer = PointerOf(flips);
        var rules = KeepNothingOptional with { GracePeriod = TimeSpan.FromHours(2) };

        var decisions = RetentionPolicy.Decide(Releases, pointer, new HashSet<ReleaseId>(), Now, rules);

        Assert.All(decisions, d => Assert.True(d.Keep, $"{d.Id} might have been live within the grace period"));
    }

    /// <summary>Deploy:HistoryLimit can be as small as 2: a history cut at 10 inside the grace period is a cut too.</summary>
    [Fact]
    public void Decide_ShortHistoryLimitCutInsideTheGracePeriod_KeepsEveryReleaseThatMightHaveBeenLive()
    {
        var flips = Enumerable.Range(0, 10)
            .Select(i => (i % 2 == 0 ? "r4" : "r5", TimeSpan.FromMinutes(60 - i * 5)))
            .ToArray();
        var rules = KeepNothingOptional with { GracePeriod = TimeSpan.FromHours(2) };

        var decisions = RetentionPolicy.Decide(Releases, PointerOf(flips), new HashSet<ReleaseId>(), Now, rules);

        Assert.All(decisions, d => Assert.True(d.Keep, $"{d.Id} might have been live within the grace period"));
    }

    [Fact]
    public void Decide_HistoryCutBeforeTheGracePeriod_LetsOldReleasesGo()
    {
        var flips = Enumerable.Range(0, LivePointer.DefaultHistoryLimit)
            .Select(i => (i % 2 == 0 ? "r4" : "r5", TimeSpan.FromHours(200 - i)))
            .ToArray();
        var rules = KeepNothingOptional with { GracePeriod = TimeSpan.FromHours(2) };

        var decisions = RetentionPolicy.Decide(Releases, PointerOf(flips), new HashSet<ReleaseId>(), Now, rules);

        Assert.Equal("r4:RollbackTarget r5:Live", Describe(decisions));
    }

    [Fact]
    public void Decide_ReturnsOldestFirst()
    {
        var decisions = RetentionPolicy.Decide(Releases.Reverse(), null, new HashSet<ReleaseId>(), Now, RetentionRules.Default);

        Assert.Equal(["r1", "r2", "r3", "r4", "r5"], decisions.Select(d => d.Id.Value));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("24h", 86400)]
    [InlineData("7d", 604800)]
    [InlineData("1.5h", 5400)]
    [InlineData(" 2D ", 172800)]
    [InlineData("1.00:00:00", 86400)]
    [InlineData("00:30:00", 1800)]
    public void ParseDuration_NumberAndUnit_ReadsIt(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "Cleanup:Grace"));

    [Theory]
    [InlineData("24")]
    [InlineData("h")]
    [InlineData("-1h")]
    [InlineData("1w")]
    [InlineData("-01:00:00")]
    [InlineData("")]
    public void ParseDuration_NoUnitOrUnknownUnit_IsAUsageError(string text)
    {
        var error = Assert.Throws<UsageException>(() => Durations.Parse(text, "Cleanup:Grace"));
        Assert.StartsWith("Cleanup:Grace: ", error.Message);
    }

    [Fact]
    public void Validated_NegativeKeepLast_IsAUsageError() =>
        Assert.Throws<UsageException>(() => (RetentionRules.Default with { KeepLast = -1 }).Validated());

    private static ReleaseAge Made(string id, TimeSpan ago) => new(ReleaseId.Parse(id), Now - ago, Now - ago);

    private static TimeSpan Days(int days) => TimeSpan.FromDays(days);

    private static LivePointer PointerOf((string Id, TimeSpan Ago)[] history)
    {
        var entries = history.Select(h => new PointerHistoryEntry(ReleaseId.Parse(h.Id), Now - h.Ago, FlipAction.Deploy)).ToImmutableList();
        return new LivePointer(entries[^1].Release, entries);
    }

    private static string Describe(IEnumerable<RetentionDecision> decisions) =>
        string.Join(" ", decisions.Where(d => d.Keep).Select(d => $"{d.Id}:{d.Reasons}"));
}
