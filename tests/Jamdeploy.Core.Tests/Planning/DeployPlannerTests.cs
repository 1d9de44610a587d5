using System.Collections.Immutable;
using Jamdeploy.Hashing;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Planning;
using Jamdeploy.Precompression;
using Jamdeploy.Scanning;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.Core.Tests.Planning;

public sealed class DeployPlannerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new("planner");
    private readonly LocalDirectoryStore _local;

    public DeployPlannerTests() => _local = new LocalDirectoryStore(_dir.Combine("store"));

    public void Dispose() => _dir.Dispose();

    private (Manifest Release, IReadOnlyList<HashedFile> Files) Site(params (string Path, string Content)[] files)
    {
        var hashed = files.Select(f =>
        {
            var full = _dir.Write("site" + f.Path, f.Content);
            return new HashedFile(new ScannedFile(f.Path, full, f.Content.Length), ContentHash.Of(System.Text.Encoding.UTF8.GetBytes(f.Content)));
        }).ToList();
        var manifest = new Manifest(ReleaseId.New(Now), Now, hashed.ToImmutableSortedDictionary(
            f => f.SitePath, f => new ManifestEntry(f.Hash, f.Length, ContentTypes.For(f.SitePath)), StringComparer.Ordinal));
        return (manifest, hashed);
    }

    private async Task StoreBlobAsync(string content)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        await _local.PutAsync(StoreLayout.Blob(ContentHash.Of(bytes)), ObjectContent.FromBytes(bytes, "text/plain"), WriteCondition.IfAbsent, CancellationToken.None);
    }

    private static DeployPlanner Planner(IObjectStore store, TimeProvider? time = null) =>
        new(store, time ?? TimeProvider.System, TimeSpan.FromHours(24), 4);

    [Fact(Timeout = 30000)]
    public async Task Plan_ContentInTheLiveRelease_IsReusedWithoutAnyRequest()
    {
        var (live, _) = Site(("/a.html", "a"), ("/b.css", "b"));
        var (next, files) = Site(("/a.html", "a"), ("/b.css", "b2"), ("/copy.html", "a"));
        var counting = new CountingStore(_local);

        var plan = await Planner(counting).PlanAsync(next, files, live, CancellationToken.None);

        Assert.Equal(["/b.css"], plan.Uploads.Select(u => u.Source.SitePath));
        Assert.Equal("unchanged content, already in the live release", plan.Files.Single(f => f.SitePath == "/copy.html").Reason);
        Assert.Equal(1, counting.Counts.Heads); // only the one candidate not in the live release
        Assert.Equal(0, counting.Counts.Lists);
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_DuplicateContent_IsSentOnce()
    {
        var (next, files) = Site(("/a.html", "same"), ("/b.html", "same"));
        var plan = await Planner(_local).PlanAsync(next, files, null, CancellationToken.None);
        Assert.Single(plan.Uploads);
        Assert.Equal("same content as /a.html", plan.Files.Single(f => f.SitePath == "/b.html").Reason);
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_AfterAnInterruptedDeploy_SendsOnlyWhatDidNotArrive()
    {
        await StoreBlobAsync("arrived");
        var (next, files) = Site(("/a.html", "arrived"), ("/b.html", "missing"));
        var plan = await Planner(_local).PlanAsync(next, files, null, CancellationToken.None);
        Assert.Equal(["/b.html"], plan.Uploads.Select(u => u.Source.SitePath));
        Assert.Equal("already stored (sent by an earlier, unfinished deploy)", plan.Files.Single(f => f.SitePath == "/a.html").Reason);
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_ManyCandidates_ListsTheBlobPrefixInsteadOfAHeadEach()
    {
        var (next, files) = Site([.. Enumerable.Range(0, 50).Select(i => ($"/p{i}.html", $"content {i}"))]);
        var counting = new CountingStore(_local);
        await Planner(counting).PlanAsync(next, files, null, CancellationToken.None);
        Assert.Equal((1L, 0L), (counting.Counts.Lists, counting.Counts.Heads));
    }

    /// <summary>
    /// A listing's pages follow one another, HEADs run four at a time here: eight candidates beside a live release of
    /// 1,500 blobs are two rounds of light HEADs, no more than the two heavy pages a listing would wait for, so no listing.
    /// </summary>
    [Fact(Timeout = 30000)]
    public async Task Plan_FewCandidatesBesideALargeLiveRelease_HeadsThemInsteadOfListingPageAfterPage()
    {
        var (live, _) = Site([.. Enumerable.Range(0, 1500).Select(i => ($"/p{i}.html", $"content {i}"))]);
        var (next, files) = Site([.. Enumerable.Range(0, 1500).Select(i => ($"/p{i}.html", i % 200 == 0 ? $"edited {i}" : $"content {i}"))]);
        var counting = new CountingStore(_local);

        var plan = await Planner(counting).PlanAsync(next, files, live, CancellationToken.None);

        Assert.Equal(8, plan.Uploads.Count);
        Assert.Equal((0L, 8L), (counting.Counts.Lists, counting.Counts.Heads));
    }

    /// <summary>
    /// Issue #16: a deploy that sends with conditional writes plans a small change without a request: a blob the store
    /// holds already is refused by its write, which costs less than a round of HEADs before every small deploy.
    /// </summary>
    [Fact(Timeout = 30000)]
    public async Task Plan_SmallChangeSentWithConditionalWrites_LooksNothingUp()
    {
        await StoreBlobAsync("arrived");
        var (live, _) = Site([.. Enumerable.Range(0, 1500).Select(i => ($"/p{i}.html", $"content {i}"))]);
        var (next, files) = Site([.. Enumerable.Range(0, 1500).Select(i => ($"/p{i}.html", i % 500 == 0 ? $"edited {i}" : $"content {i}")), ("/a.html", "arrived")]);
        var counting = new CountingStore(_local);

        var plan = await Planner(counting).PlanAsync(next, files, live, checkEveryBlob: false, VariantPlan.Create(next, files, live), CancellationToken.None, writeIfAbsent: true);

        Assert.Equal(4, plan.Uploads.Count);
        Assert.All(plan.Uploads, u => Assert.False(u.Refresh));
        Assert.Equal((0L, 0L), (counting.Counts.Lists, counting.Counts.Heads));
    }

    /// <summary>
    /// Where the look saves bytes it is kept: candidates bigger in all than <see cref="DeployPlanner.UnlookedBytes"/>
    /// are looked up first, so a rerun of an interrupted deploy does not send again what arrived.
    /// </summary>
    [Fact(Timeout = 30000)]
    public async Task Plan_ChangeBiggerThanTheUnlookedBound_IsLookedUpFirst()
    {
        var big = new string('x', (int)DeployPlanner.UnlookedBytes);
        await StoreBlobAsync(big);
        var (next, files) = Site(("/big.bin", big), ("/small.html", "small"));
        var counting = new CountingStore(_local);

        var plan = await Planner(counting).PlanAsync(next, files, null, checkEveryBlob: false, VariantPlan.Create(next, files, null), CancellationToken.None, writeIfAbsent: true);

        Assert.Equal(["/small.html"], plan.Uploads.Select(u => u.Source.SitePath));
        Assert.Equal(DeployPlan.AlreadyStored, plan.Files.Single(f => f.SitePath == "/big.bin").Reason);
        Assert.Equal(1L, counting.Counts.Lists + counting.Counts.Heads);
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_StoredBlobOlderThanHalfTheGracePeriod_IsSentAgainRatherThanTrusted()
    {
        await StoreBlobAsync("old orphan");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (next, files) = Site(("/a.html", "old orphan"));

        time.Advance(TimeSpan.FromHours(11));
        Assert.Empty((await Planner(_local, time).PlanAsync(next, files, null, CancellationToken.None)).Uploads);

        time.Advance(TimeSpan.FromHours(2));
        var upload = Assert.Single((await Planner(_local, time).PlanAsync(next, files, null, CancellationToken.None)).Uploads);
        Assert.True(upload.Refresh);
    }
}
