using System.Net;
using System.Text.Json;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.Cdn;

namespace Jamdeploy.Cli.Tests.Cdn;

/// <summary>
/// Serverless CloudFront as users run it: real <c>jamdeploy</c> processes with a local store and the fake
/// KeyValueStore (every request SigV4A-verified). Each flip projects live.json onto the KVS key; a failed write
/// is exit 3 naming <c>jamdeploy sync-edge</c>, which repairs it; <c>status</c> says when the two disagree.
/// </summary>
[RunsLong(28)]
public sealed class EdgePointerCommandTests : IAsyncLifetime, IDisposable
{
    private const string Key = "site:live";
    private readonly TempDirectory _workspace = new("edge-pointer");
    private FakeKeyValueStore _kvs = null!;

    private string Store => _workspace.Combine("store");

    public async Task InitializeAsync() => _kvs = await FakeKeyValueStore.StartAsync();

    public async Task DisposeAsync() => await _kvs.DisposeAsync();

    public void Dispose() => _workspace.Dispose();

    private Dictionary<string, string> Environment(string? arn = null) => new()
    {
        ["JAMDEPLOY__CDN__KEYVALUESTORE__ARN"] = arn ?? _kvs.Arn,
        ["JAMDEPLOY__CDN__KEYVALUESTORE__KEY"] = Key,
        ["JAMDEPLOY__CDN__KEYVALUESTORE__ENDPOINT"] = _kvs.Endpoint,
        ["JAMDEPLOY__CDN__KEYVALUESTORE__RETRYBASEDELAY"] = "00:00:00.010",
        ["AWS_ACCESS_KEY_ID"] = FakeKeyValueStore.TestCredentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = FakeKeyValueStore.TestCredentials.SecretAccessKey,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["HOME"] = _workspace.Path,
    };

    private Task<ProcessResult> Jamdeploy(params string[] args) => Jamdeploy(Environment(), args);

    private Task<ProcessResult> Jamdeploy(Dictionary<string, string> environment, params string[] args) =>
        JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", Store], environment, timeout: TimeSpan.FromSeconds(120));

    private JsonElement Pointer() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Store, "live.json"))).RootElement;

    private string ReadLive() => Pointer().GetProperty("live").GetString()!;

    private List<string> ReadHistory() =>
        [.. Pointer().GetProperty("history").EnumerateArray().Select(e => e.GetProperty("release").GetString()!)];

    private static void Succeeded(ProcessResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    [Fact(Timeout = 300_000)]
    public async Task DeployRollbackPromote_EachFlipWritesTheKey_DeployInThreeRequestsSwitchInTwo()
    {
        var v1 = Some.Site(_workspace, "v1", "v1");
        var v2 = Some.Site(_workspace, "v2", "v2");

        Succeeded(await Jamdeploy("deploy", v1));
        var r1 = ReadLive();
        Assert.Equal(r1, _kvs.Value(Key));
        Assert.Equal(["DescribeKeyValueStore", "GetKey", "PutKey"], _kvs.Requests.Select(r => r.Operation));

        Succeeded(await Jamdeploy("deploy", v2));
        var r2 = ReadLive();
        Assert.Equal(r2, _kvs.Value(Key));

        Succeeded(await Jamdeploy("rollback"));
        Assert.Equal(r1, ReadLive());
        Assert.Equal(r1, _kvs.Value(Key));

        Succeeded(await Jamdeploy("promote", r2));
        Assert.Equal(r2, _kvs.Value(Key));
        // Three KVS requests for each deploy, two for a rollback or promote (the version read before the flip, #16),
        // every one of them signed and accepted.
        Assert.Equal(["DescribeKeyValueStore", "PutKey", "DescribeKeyValueStore", "PutKey"], _kvs.Requests.Skip(6).Select(r => r.Operation));
        Assert.Equal(10, _kvs.Requests.Count);
        Assert.All(_kvs.Requests, r => Assert.Equal(200, r.Status is 404 ? 200 : r.Status));

        var status = await Jamdeploy("status");
        Succeeded(status);
        Assert.Contains($"edge pointer: {r2} (in sync)", status.Stdout);
    }

    /// <summary>
    /// #16: a rollback reads the KeyValueStore's version before its flip and writes the key with it after. Another
    /// writer in between (here: a hand edit of the key) makes that write fail, and the rollback syncs the key with
    /// live.json instead of leaving it: the edge names the release live.json names.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Rollback_KeyValueStoreWrittenBetweenItsVersionReadAndItsWrite_SyncsTheKeyWithLiveJson()
    {
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "v1", "v1")));
        var r1 = ReadLive();
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "v2", "v2")));
        var interfered = 0;
        _kvs.BeforeHandling = operation =>
        {
            if (operation == "PutKey" && Interlocked.Exchange(ref interfered, 1) == 0) _kvs.Set(Key, "someone-else");
            return Task.CompletedTask;
        };
        _kvs.ClearRequests();

        var rolledBack = await Jamdeploy("rollback");

        Succeeded(rolledBack);
        Assert.Equal(r1, ReadLive());
        Assert.Equal(r1, _kvs.Value(Key));
        Assert.Equal(["DescribeKeyValueStore", "PutKey", "DescribeKeyValueStore", "GetKey", "PutKey"], _kvs.Requests.Select(r => r.Operation));
        Assert.Equal(409, _kvs.Requests[1].Status);
    }

    [Fact(Timeout = 300_000)]
    public async Task PutKeyFailsAfterFlip_Exit3NamingSyncEdge_StatusShowsDisagreement_SyncEdgeRepairs()
    {
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "v1", "v1")));
        var r1 = ReadLive();
        _kvs.FailNext("PutKey", HttpStatusCode.Forbidden, "AccessDeniedException");

        var failed = await Jamdeploy("deploy", Some.Site(_workspace, "v2", "v2"));

        var r2 = ReadLive();
        Assert.NotEqual(r1, r2);
        Assert.True(failed.ExitCode == 3, failed.ToString());
        var line = Assert.Single(failed.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{r2} is live, but the edge pointer", line);
        Assert.Contains("`jamdeploy sync-edge`", line);
        Assert.DoesNotContain(FakeKeyValueStore.TestCredentials.SecretAccessKey, failed.Stdout + failed.Stderr);
        Assert.Equal(r1, _kvs.Value(Key));

        var status = await Jamdeploy("status");
        var statusJson = await Jamdeploy("status", "--json");
        Succeeded(status);
        Assert.Contains($"edge pointer: {r1} on", status.Stdout);
        Assert.Contains($"DISAGREES with live.json ({r2}): run `jamdeploy sync-edge`", status.Stdout);
        var edge = JsonDocument.Parse(statusJson.Stdout).RootElement.GetProperty("edgePointer");
        Assert.False(edge.GetProperty("inSync").GetBoolean());
        Assert.Equal(r1, edge.GetProperty("value").GetString());

        var repaired = await Jamdeploy("sync-edge");
        var again = await Jamdeploy("sync-edge", "--json");

        Succeeded(repaired);
        Assert.Contains($"edge pointer: {r2} (was {r1})", repaired.Stdout);
        Assert.Contains($"store: {Store}\n", repaired.Stdout);
        Assert.Equal(r2, _kvs.Value(Key));
        Succeeded(again);
        Assert.False(JsonDocument.Parse(again.Stdout).RootElement.GetProperty("written").GetBoolean());
        Assert.Contains($"edge pointer: {r2} (in sync)", (await Jamdeploy("status")).Stdout);
    }

    [Fact(Timeout = 300_000)]
    public async Task PutKeyFailsAfterFlip_RedeployOfTheSameFolder_Exits0AndRepairsTheKey()
    {
        // A CI job retried after exit 3 redeploys the same folder: "unchanged", and the edge must be right too.
        var v1 = Some.Site(_workspace, "v1", "v1");
        _kvs.FailNext("PutKey", HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal(3, (await Jamdeploy("deploy", v1)).ExitCode);
        Assert.Null(_kvs.Value(Key));

        var retried = await Jamdeploy("deploy", v1);
        var again = await Jamdeploy("deploy", v1);

        Succeeded(retried);
        Assert.Contains("unchanged:", retried.Stdout);
        Assert.Equal(ReadLive(), _kvs.Value(Key));
        Succeeded(again);
        Assert.Equal(2, _kvs.Count("PutKey"));
    }

    [Fact(Timeout = 300_000)]
    public async Task PutKeyFailsAfterFlip_PromoteOfTheLiveReleaseAgain_Exits0AndRepairsTheKey()
    {
        // A CI job retried after `promote` exited 3 promotes the same release again: nothing to move, but the
        // edge must be right too.
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "v1", "v1")));
        var r1 = ReadLive();
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "v2", "v2")));
        var r2 = ReadLive();
        Succeeded(await Jamdeploy("rollback"));
        _kvs.FailNext("PutKey", HttpStatusCode.BadRequest, "ValidationException");
        Assert.Equal(3, (await Jamdeploy("promote", r2)).ExitCode);
        Assert.Equal(r2, ReadLive());
        Assert.Equal(r1, _kvs.Value(Key));
        _kvs.ClearRequests();

        var retried = await Jamdeploy("promote", r2);
        var again = await Jamdeploy("promote", r2);

        Succeeded(retried);
        Assert.Equal(r2, _kvs.Value(Key));
        Succeeded(again);
        Assert.Equal(1, _kvs.Count("PutKey"));
        Assert.Equal([r1, r2, r1, r2], ReadHistory());
    }

    [Fact(Timeout = 300_000)]
    public async Task Misconfigured_Exit2AndNothingChanged()
    {
        var site = Some.Site(_workspace, "v1", "v1");
        var badArn = await Jamdeploy(Environment("arn:aws:cloudfront:us-east-1:123:key-value-store/x"), "deploy", site);
        var noCredentials = Environment();
        noCredentials.Remove("AWS_ACCESS_KEY_ID");
        noCredentials.Remove("AWS_SECRET_ACCESS_KEY");
        noCredentials["AWS_SHARED_CREDENTIALS_FILE"] = _workspace.Combine("no-credentials");
        noCredentials["AWS_CONFIG_FILE"] = _workspace.Combine("no-config");
        var missing = await Jamdeploy(noCredentials, "deploy", site);
        var unconfigured = await JamdeployProcess.RunAsync(_workspace.Path, ["sync-edge", "--store", Store]);

        Assert.True(badArn.ExitCode == 2, badArn.ToString());
        Assert.Contains("Cdn:KeyValueStore:Arn", badArn.Stderr);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("credentials", missing.Stderr);
        Assert.False(File.Exists(Path.Combine(Store, "live.json")));
        Assert.Empty(_kvs.Requests);
        Assert.True(unconfigured.ExitCode == 2, unconfigured.ToString());
        Assert.Contains("Cdn:KeyValueStore:Arn", unconfigured.Stderr);
    }

    [Fact(Timeout = 600_000)]
    public async Task EightConcurrentDeploysAndRollbacks_KeyEndsEqualToLive_NoFlipLost()
    {
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "seed1", "seed1")));
        Succeeded(await Jamdeploy("deploy", Some.Site(_workspace, "seed2", "seed2")));
        var sites = Enumerable.Range(0, 5).Select(i => Some.Site(_workspace, $"race{i}", $"race{i}")).ToList();

        var runs = sites.Select(site => Jamdeploy("deploy", site, "--force", "--json"))
            .Concat(Enumerable.Range(0, 3).Select(_ => Jamdeploy("rollback", "--force", "--json")))
            .ToList();
        var results = await Task.WhenAll(runs);

        Assert.All(results, Succeeded);
        var history = ReadHistory();
        var deployed = results.Take(5).Select(r => JsonDocument.Parse(r.Stdout).RootElement.GetProperty("release").GetString()!).ToList();
        Assert.All(deployed, id => Assert.Contains(id, history));
        var rollbacksThatFlipped = results.Skip(5).Count(r => !JsonDocument.Parse(r.Stdout).RootElement.GetProperty("alreadyLive").GetBoolean());
        Assert.Equal(2 + 5 + rollbacksThatFlipped, history.Count);
        Assert.Equal(ReadLive(), _kvs.Value(Key));
        Assert.All(_kvs.Requests, r => Assert.NotEqual(403, r.Status));
    }
}
