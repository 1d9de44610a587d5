using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// How a user names a release on the command line: the full id, a unique prefix, <c>live</c> or <c>previous</c>,
/// the same for every command that takes one; and <c>releases</c> showing what is pinned and why. In process,
/// through the real entry point.
/// </summary>
public sealed class ReleaseReferenceTests : IDisposable
{
    private readonly TempDirectory _workspace = new("release-references");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private Task<ProcessResult> RunAsync(params string[] args) =>
        InProcessCli.RunAsync([.. args, "--store", Store], workingDirectory: _workspace.Path);

    private async Task<ProcessResult> SucceedsAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"jamdeploy {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>Deploys two versions; the second is live, the first is `previous`.</summary>
    private async Task<(string First, string Second)> TwoReleasesAsync()
    {
        var ids = new List<string>();
        foreach (var stamp in new[] { "one", "two" })
        {
            var result = await SucceedsAsync("deploy", Some.Site(_workspace, stamp, stamp), "--json");
            ids.Add(JsonDocument.Parse(result.Stdout).RootElement.GetProperty("release").GetString()!);
        }
        return (ids[0], ids[1]);
    }

    private async Task<string> LiveAsync() =>
        JsonDocument.Parse((await SucceedsAsync("status", "--json")).Stdout).RootElement.GetProperty("live").GetProperty("id").GetString()!;

    public static TheoryData<string> Commands => ["promote", "rollback --to", "pin", "unpin", "verify --release", "invalidate --dry-run --release"];

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Commands))]
    public async Task EveryCommandTakingARelease_AcceptsAUniquePrefixAndTheWords(string command)
    {
        var (first, second) = await TwoReleasesAsync();
        if (command == "unpin") await SucceedsAsync("pin", first);
        string[] words = command.Split(' ');

        // --json: every one of these documents names the release it acted on.
        var byPrefix = await SucceedsAsync([.. words, first[..^1], "--json"]);
        Assert.Contains(first, byPrefix.Stdout);

        if (command is "promote" or "rollback --to") await SucceedsAsync("promote", second);
        var previous = await SucceedsAsync([.. words, "previous", "--json"]);
        Assert.Contains(first, previous.Stdout);

        var live = await SucceedsAsync([.. words, "live", "--json"]);
        Assert.Contains(await LiveAsync(), live.Stdout);
    }

    [Fact(Timeout = 120_000)]
    public async Task Promote_Previous_PutsTheReleaseLiveBeforeBack()
    {
        var (first, _) = await TwoReleasesAsync();

        await SucceedsAsync("promote", "previous");

        Assert.Equal(first, await LiveAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task Promote_AmbiguousPrefix_IsAUsageErrorListingTheCandidatesAndChangesNothing()
    {
        var (first, second) = await TwoReleasesAsync();
        var common = new string(first.Zip(second).TakeWhile(p => p.First == p.Second).Select(p => p.First).ToArray());
        var before = StoreSnapshot.Of(Store);

        var result = await RunAsync("promote", common);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("matches 2 releases", line);
        Assert.Contains(first, line);
        Assert.Contains(second, line);
        Assert.Equal(before, StoreSnapshot.Of(Store));
    }

    [Theory(Timeout = 120_000)]
    [InlineData("1999")]
    [InlineData("19990101-000000-abcdef")]
    public async Task Pin_UnknownRelease_IsAUsageError(string typed)
    {
        await TwoReleasesAsync();

        var result = await RunAsync("pin", typed);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"release {typed} does not exist", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(Store, "pins")));
    }

    [Fact(Timeout = 120_000)]
    public async Task Rollback_ToPreviousWithOnlyOneReleaseEverLive_IsAUsageError()
    {
        await SucceedsAsync("deploy", Some.Site(_workspace, "only", "only"));

        var rollback = await RunAsync("rollback", "--to", "previous");

        Assert.Equal(2, rollback.ExitCode);
        Assert.Contains("`previous` names none", rollback.Stderr);
    }

    [Fact(Timeout = 120_000)]
    public async Task Releases_ShowsPinsAndTheirNotes()
    {
        var (first, second) = await TwoReleasesAsync();
        await SucceedsAsync("pin", first, "--note", "launch day");

        var human = await SucceedsAsync("releases");
        var json = JsonDocument.Parse((await SucceedsAsync("releases", "--json")).Stdout).RootElement;

        var lines = human.Stdout.Split('\n');
        Assert.EndsWith("(pinned: launch day)", Assert.Single(lines, l => l.Contains(first)).TrimEnd());
        Assert.DoesNotContain("pinned", Assert.Single(lines, l => l.Contains(second)));
        var listed = json.GetProperty("releases").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.True(listed[first].GetProperty("pinned").GetBoolean());
        Assert.Equal("launch day", listed[first].GetProperty("pinNote").GetString());
        Assert.False(listed[second].GetProperty("pinned").GetBoolean());
    }
}
