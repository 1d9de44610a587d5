using System.Text.Json;
using Jamdeploy.Cli.Tests.Cdn;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.Cdn;
using Jamdeploy.TestSupport.S3;
using Xunit.Abstractions;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>
/// Promote and rollback on S3 as real processes, with a proxy in front of moto that counts their requests and cuts
/// or holds the ones a test picks: what they report once the pointer has moved, what a retry does, and what a
/// lost race says.
/// </summary>
[RunsLong(60)]
public sealed class S3SwitchTests(MotoServer moto, ITestOutputHelper output) : IDisposable, IClassFixture<MotoServer>
{
    private readonly TempDirectory _workspace = new("s3switch");

    public void Dispose() => _workspace.Dispose();

    /// <summary>
    /// #14 item 1: the read of the release live before the flip (for the CDN diff) runs out of retries. The flip
    /// happened, so the command says so (exit 0, the CDN told to forget the whole site), and the CI retry of the
    /// rollback finds it done rather than flipping back.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Rollback_ReadOfThePreviousManifestFailsAfterTheFlip_ReportsTheFlip_RetryIsANoOp()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var distribution = await Boto3CloudFront.CreateDistributionAsync(moto);
        var a = await DeployAsync(site, "a");
        var b = await DeployAsync(site, "b");
        var cut = 0;
        proxy.Gate = (request, _) =>
        {
            var isPrevious = request.Method == "GET" && request.Key == $"site/{StoreLayout.Release(Model.ReleaseId.Parse(b))}";
            if (isPrevious) Interlocked.Increment(ref cut);
            return Task.FromResult(!isPrevious);
        };
        var environment = site.Environment(proxy.Endpoint, CloudFront(distribution));

        var rolledBack = await JamdeployProcess.RunAsync(_workspace.Path, ["rollback", "--store", site.Url, "--json"], environment);
        proxy.Gate = null;
        var retried = await JamdeployProcess.RunAsync(_workspace.Path, ["rollback", "--store", site.Url], environment);
        var retriedJson = await JamdeployProcess.RunAsync(_workspace.Path, ["rollback", "--store", site.Url, "--json"], environment);

        Assert.True(cut > 0, "the read of the previous manifest was never made");
        Assert.True(rolledBack.ExitCode == 0, rolledBack.ToString());
        var report = JsonDocument.Parse(rolledBack.Stdout).RootElement;
        Assert.Equal((a, b, false), (report.GetProperty("live").GetString(), report.GetProperty("before").GetString(), report.GetProperty("alreadyLive").GetBoolean()));
        Assert.Equal(["/*"], (await Boto3CloudFront.InvalidationPathsAsync(moto, distribution))[^1]);

        Assert.True(retried.ExitCode == 0, retried.ToString());
        var lines = retried.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"store: {site.Url}", lines[^1]);
        var line = Assert.Single(lines[..^1]);
        Assert.StartsWith($"unchanged: {a} is already live (rolled back at ", line);
        Assert.EndsWith("`jamdeploy rollback --to <release>` goes further back", line);
        Assert.True(retriedJson.ExitCode == 0, retriedJson.ToString());
        var again = JsonDocument.Parse(retriedJson.Stdout).RootElement;
        Assert.Equal((a, true), (again.GetProperty("live").GetString(), again.GetProperty("alreadyLive").GetBoolean()));
        Assert.Equal([a, b, a], await site.HistoryAsync());
    }

    /// <summary>#16: with no CDN there is no diff to plan, so a rollback never reads the manifest of the release it leaves.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Rollback_NoCdn_NeverReadsThePreviousManifest()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var a = await DeployAsync(site, "a");
        var b = await DeployAsync(site, "b");
        var environment = site.Environment(proxy.Endpoint);

        var first = await JamdeployProcess.RunAsync(_workspace.Path, ["rollback", "--store", site.Url], environment);
        var firstRequests = proxy.Requests;
        proxy.Clear();
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(0, (await JamdeployProcess.RunAsync(_workspace.Path, ["promote", b, "--store", site.Url], environment)).ExitCode);
        var promoteRequests = proxy.Requests;
        output.WriteLine($"rollback: {Describe(firstRequests)}\npromote with lease.json present: {Describe(promoteRequests)}");

        Assert.DoesNotContain(firstRequests, r => r.Method == "GET" && r.Key == $"site/{StoreLayout.Release(Model.ReleaseId.Parse(b))}");
        Assert.DoesNotContain(promoteRequests, r => r.Method == "GET" && r.Key == $"site/{StoreLayout.Release(Model.ReleaseId.Parse(a))}");
    }

    /// <summary>
    /// #16's budget: a rollback on S3 with no CDN is at most 4 requests, the first time and every time after (it was 7,
    /// then 9 once lease.json existed). It is 3: the pointer, the target's manifest, and the pointer's compare-and-swap;
    /// promote the same, after the HEAD that tells a full id from a prefix (ReleaseReferences). No store lease:
    /// cleanup's mark in live.json keeps them off a release it deletes.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task RollbackAndPromote_NoCdn_ThreeRequestsFirstTimeAndAfter()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var a = await DeployAsync(site, "a");
        var b = await DeployAsync(site, "b");
        var environment = site.Environment(proxy.Endpoint);
        var live = $"site/{StoreLayout.LiveKey}";
        string[] Expected(string target) => [$"GET {live}", $"GET site/{StoreLayout.Release(ReleaseId.Parse(target))}", $"PUT {live}"];
        async Task<IReadOnlyList<string>> Run(params string[] args)
        {
            proxy.Clear();
            var result = await JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", site.Url], environment);
            Assert.True(result.ExitCode == 0, result.ToString());
            output.WriteLine($"{string.Join(' ', args)}: {Describe(proxy.Requests)}");
            return [.. proxy.Requests.Select(r => $"{r.Method} {r.Key}")];
        }

        var first = await Run("rollback");
        var promote = await Run("promote", b);
        var again = await Run("rollback");

        Assert.Equal(Expected(a), first);
        Assert.Equal([$"HEAD site/{StoreLayout.Release(ReleaseId.Parse(b))}", .. Expected(b)], promote);
        Assert.Equal(Expected(a), again);
        Assert.Equal([a, b, a, b, a], await site.HistoryAsync());
    }

    /// <summary>
    /// #16: with the CloudFront KeyValueStore configured, a rollback still makes 3 requests to the store, and 2 to the
    /// KeyValueStore: its version beside the manifest read, before the flip, then one conditional write after it (was
    /// a version, a value and a write after the flip, plus a second read of live.json). The edge names the release.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Rollback_WithKeyValueStore_ThreeStoreRequestsAndTwoKeyValueStoreRequests()
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var client = site.Environment();
        await using var kvs = await FakeKeyValueStore.StartAsync(credentials: new Jamdeploy.Aws.Signing.SigningCredentials(client["AWS_ACCESS_KEY_ID"], client["AWS_SECRET_ACCESS_KEY"]));
        var edge = new Dictionary<string, string>
        {
            ["JAMDEPLOY__CDN__KEYVALUESTORE__ARN"] = kvs.Arn,
            ["JAMDEPLOY__CDN__KEYVALUESTORE__KEY"] = "site:live",
            ["JAMDEPLOY__CDN__KEYVALUESTORE__ENDPOINT"] = kvs.Endpoint,
        };
        var a = await DeployAsync(site, "a", site.Environment(extra: edge));
        var b = await DeployAsync(site, "b", site.Environment(extra: edge));
        Assert.Equal(b, kvs.Value("site:live"));
        kvs.ClearRequests();

        var rolledBack = await JamdeployProcess.RunAsync(_workspace.Path, ["rollback", "--store", site.Url], site.Environment(proxy.Endpoint, edge));
        output.WriteLine($"rollback: {Describe(proxy.Requests)}; KeyValueStore: {string.Join(", ", kvs.Requests.Select(r => r.Operation))}");

        Assert.True(rolledBack.ExitCode == 0, rolledBack.ToString());
        Assert.Equal([$"GET site/{StoreLayout.LiveKey}", $"GET site/{StoreLayout.Release(ReleaseId.Parse(a))}", $"PUT site/{StoreLayout.LiveKey}"],
            proxy.Requests.Select(r => $"{r.Method} {r.Key}"));
        Assert.Equal(["DescribeKeyValueStore", "PutKey"], kvs.Requests.Select(r => r.Operation));
        Assert.Equal(a, kvs.Value("site:live"));
    }

    /// <summary>
    /// #14 item 9: a deploy flips while a rollback or promote waits on its pointer write. Exit 4 names the release
    /// now live, the command that lost and what running it again means for that command, not "this deploy".
    /// </summary>
    [Theory(Timeout = 300_000)]
    [InlineData("rollback")]
    [InlineData("promote")]
    public async Task SwitchRefusedByAConcurrentDeploy_Exit4_NamesTheCommandThatLostAndTheWayOn(string command)
    {
        using var site = await S3Site.CreateAsync(moto);
        await using var proxy = new S3Proxy(moto.Endpoint);
        var a = await DeployAsync(site, "a");
        await DeployAsync(site, "b");
        var staged = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", Some.Site(_workspace, "c", "c"), "--store", site.Url, "--no-promote", "--json"], site.Environment());
        Assert.True(staged.ExitCode == 0, staged.ToString());
        var concurrent = JsonDocument.Parse(staged.Stdout).RootElement.GetProperty("release").GetString()!;
        var held = 0;
        proxy.Gate = async (request, _) =>
        {
            // The switch holds the store lease and has read the pointer. Every jamdeploy flip takes that lease now, so
            // the concurrent move comes from a writer that does not (an older jamdeploy, a hand edit), straight to moto.
            if (request.Method == "PUT" && request.Key == $"site/{StoreLayout.LiveKey}" && Interlocked.Exchange(ref held, 1) == 0)
            {
                var releases = new ReleaseStore(site.Store);
                var live = await releases.ReadLiveAsync(CancellationToken.None);
                await releases.WritePointerAsync(live.Pointer! with { Live = ReleaseId.Parse(concurrent) }, live.ETag, CancellationToken.None);
            }
            return true;
        };
        string[] args = command == "rollback" ? ["rollback"] : ["promote", a];

        var refused = await JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", site.Url, "--json"], site.Environment(proxy.Endpoint));

        Assert.True(refused.ExitCode == ExitCodes.Conflict, refused.ToString());
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"jamdeploy: refused: the live release changed while this {command} ran", line);
        Assert.Contains($"now live: {concurrent}", line);
        Assert.DoesNotContain("deploy", line.Replace("jamdeploy", ""));
        Assert.EndsWith(command == "rollback"
            ? $"`jamdeploy rollback --to {a}` puts {a} back on top of {concurrent}"
            : $"`jamdeploy promote {a}` again makes it live on top of {concurrent}", line);
        var report = JsonDocument.Parse(refused.Stdout).RootElement;
        Assert.Equal((4, concurrent), (report.GetProperty("exitCode").GetInt32(), report.GetProperty("live").GetString()));
        Assert.Equal(concurrent, await site.LiveAsync());
    }

    /// <summary>moto's CloudFront, reached directly: the proxy sees only the store's requests.</summary>
    private Dictionary<string, string> CloudFront(string distribution) => new()
    {
        ["AWS_ENDPOINT_URL_CLOUDFRONT"] = moto.Endpoint,
        ["JAMDEPLOY__Cdn__Provider"] = "cloudfront",
        ["JAMDEPLOY__Cdn__DistributionId"] = distribution,
        ["JAMDEPLOY__Cdn__RetryBaseDelay"] = "00:00:00.010",
        ["JAMDEPLOY__Cdn__MaxRetries"] = "3",
    };

    private static string Describe(IReadOnlyList<ProxiedRequest> requests) =>
        $"{requests.Count} requests: {string.Join(", ", requests.Select(r => $"{r.Method} {r.Key.Replace("site/", "")}"))}";

    private async Task<string> DeployAsync(S3Site site, string stamp, Dictionary<string, string>? environment = null)
    {
        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", Some.Site(_workspace, stamp, stamp), "--store", site.Url], environment ?? site.Environment());
        Assert.True(result.ExitCode == 0, result.ToString());
        return S3Site.LiveIdFrom(result);
    }
}
