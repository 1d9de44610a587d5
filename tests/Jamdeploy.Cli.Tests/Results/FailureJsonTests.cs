using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Results;

/// <summary>
/// README promises that <c>--json</c> writes one JSON document, nothing else: on a failure too. It says the
/// exit code and the error line, and, when a release went live before the failure (exit 3), names it and the
/// step that did not finish; after a lost race (exit 4) it names the release that won.
/// </summary>
public sealed class FailureJsonTests : IDisposable
{
    private readonly TempDirectory _workspace = new("failure-json");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task CorruptPointer_Exit1_OneFailureDocument()
    {
        await DeployAsync("v1");
        File.WriteAllText(Path.Combine(Store, "live.json"), "{ not json");

        var result = await InProcessCli.RunAsync(["status", "--store", Store, "--json"]);

        var failure = AssertFailureDocument(result, ExitCodes.Failed);
        Assert.Equal(JsonValueKind.Null, failure.GetProperty("live").ValueKind);
    }

    [Fact(Timeout = 60_000)]
    public async Task BadReleaseId_Exit2_OneFailureDocument()
    {
        var result = await InProcessCli.RunAsync(["promote", "Not An Id", "--store", Store, "--json"]);

        var failure = AssertFailureDocument(result, ExitCodes.Usage);
        Assert.Contains("is not a release id", failure.GetProperty("error").GetString());
        Assert.Contains("'Not An Id' is not a release id", result.Stdout); // readable as printed, not \u0027-escaped
        Assert.False(Directory.Exists(Store));
    }

    [Fact(Timeout = 60_000)]
    public async Task UnknownFlag_Exit2_OneFailureDocument()
    {
        var result = await InProcessCli.RunAsync(["deploy", _workspace.Path, "--no-such-flag", "--store", Store, "--json"]);

        var failure = AssertFailureDocument(result, ExitCodes.Usage);
        Assert.Contains("--no-such-flag", failure.GetProperty("error").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task CancelledBeforeAnythingChanged_Exit130_OneFailureDocument()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var result = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace), "--store", Store, "--json"], ct: cancelled.Token);

        var failure = AssertFailureDocument(result, ExitCodes.Cancelled);
        Assert.Equal(JsonValueKind.Null, failure.GetProperty("live").ValueKind);
    }

    [Fact(Timeout = 60_000)]
    public async Task VerifyFindsAMissingBlob_Exit1_TheReportIsTheOneDocumentAndSaysSo()
    {
        await DeployAsync("v1");
        var blob = Directory.EnumerateFiles(Path.Combine(Store, "blobs")).First();
        File.Delete(blob);

        var result = await InProcessCli.RunAsync(["verify", "--store", Store, "--json"]);

        Assert.True(result.ExitCode == ExitCodes.Failed, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var report = document.RootElement;
        Assert.False(report.GetProperty("ok").GetBoolean());
        Assert.Equal(ExitCodes.Failed, report.GetProperty("exitCode").GetInt32());
        Assert.Equal($"jamdeploy: {report.GetProperty("error").GetString()}", result.Stderr.TrimEnd());
        Assert.Equal(Path.GetFileName(blob), report.GetProperty("releases")[0].GetProperty("problems")[0].GetProperty("hash").GetString());
    }

    /// <summary>A real process: the CDN here is a serve origin that is not listening, so the purge after the flip fails.</summary>
    [Fact(Timeout = 120_000)]
    public async Task InvalidationFailsAfterTheFlip_Exit3_DocumentNamesTheLiveReleaseAndTheUnfinishedStep()
    {
        var first = await DeployAsync("v1");
        var unreachableOrigin = new Dictionary<string, string>
        {
            ["JAMDEPLOY__CDN__PROVIDER"] = "edge", ["JAMDEPLOY__CDN__ORIGINS__0"] = "http://127.0.0.1:9", ["JAMDEPLOY__SERVE__PURGETOKEN"] = "t",
        };

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", Some.Site(_workspace, "v2", "v2"), "--store", Store, "--json"], unreachableOrigin);

        var failure = AssertFailureDocument(result, ExitCodes.InvalidationFailed);
        var live = failure.GetProperty("live").GetString();
        Assert.NotEqual(first, live);
        Assert.Equal(live, await LiveAsync());
        Assert.Equal("invalidation", failure.GetProperty("unfinished").GetString());
    }

    /// <summary>
    /// Two invocations plan from the same live release while the test holds the store's lock (the flock the
    /// compare-and-swap takes, exclusive within a process too); released, one flips and the other must refuse.
    /// Real processes losing a race with exit 4 are <c>S3DeployRaceTests</c>'.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task LostRace_Exit4_DocumentNamesTheReleaseNowLive()
    {
        await DeployAsync("seed");
        ProcessResult a, b;
        await using (var held = new FileStream(Path.Combine(Store, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            using var ra = InProcessCli.Start(["deploy", Some.Site(_workspace, "a", "a"), "--store", Store, "--json", "--verbose"], workingDirectory: _workspace.Path);
            using var rb = InProcessCli.Start(["deploy", Some.Site(_workspace, "b", "b"), "--store", Store, "--json", "--verbose"], workingDirectory: _workspace.Path);
            await ra.WaitForStderrAsync("Planned ", TimeSpan.FromSeconds(60));
            await rb.WaitForStderrAsync("Planned ", TimeSpan.FromSeconds(60));
            await held.DisposeAsync();
            a = await ra.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            b = await rb.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        }

        var (winner, loser) = a.ExitCode == ExitCodes.Done ? (a, b) : (b, a);
        Assert.True(winner.ExitCode == ExitCodes.Done, $"{a}\n{b}");
        var failure = AssertFailureDocument(loser, ExitCodes.Conflict, stderrHasLogs: true);
        using var won = JsonDocument.Parse(winner.Stdout);
        Assert.Equal(won.RootElement.GetProperty("release").GetString(), failure.GetProperty("live").GetString());
        Assert.Equal(failure.GetProperty("live").GetString(), await LiveAsync());
    }

    /// <summary>Stdout is exactly one document: outcome failed, the exit code, and the line stderr has.</summary>
    private static JsonElement AssertFailureDocument(ProcessResult result, int exitCode, bool stderrHasLogs = false)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        JsonElement failure;
        try
        {
            using var document = JsonDocument.Parse(result.Stdout);
            failure = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not one JSON document ({e.Message}):\n{result}");
        }
        Assert.Equal("failed", failure.GetProperty("outcome").GetString());
        Assert.Equal(exitCode, failure.GetProperty("exitCode").GetInt32());
        var error = failure.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error));
        var errorLines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("jamdeploy: ", StringComparison.Ordinal));
        Assert.Equal($"jamdeploy: {error}", Assert.Single(errorLines));
        if (!stderrHasLogs) Assert.Equal($"jamdeploy: {error}", result.Stderr.TrimEnd());
        return failure;
    }

    private async Task<string> DeployAsync(string stamp)
    {
        var result = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, stamp, stamp), "--store", Store, "--json"]);
        Assert.True(result.ExitCode == ExitCodes.Done, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.GetProperty("release").GetString()!;
    }

    private async Task<string?> LiveAsync()
    {
        var result = await InProcessCli.RunAsync(["status", "--store", Store, "--json"]);
        Assert.True(result.ExitCode == ExitCodes.Done, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.GetProperty("live").GetProperty("id").GetString();
    }
}
