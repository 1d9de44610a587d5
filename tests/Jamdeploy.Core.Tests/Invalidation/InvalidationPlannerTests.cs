using System.Collections.Immutable;
using Jamdeploy.Invalidation;

namespace Jamdeploy.Core.Tests.Invalidation;

public sealed class InvalidationPlannerTests
{
    private static readonly string[] Site =
    [
        "/index.html=home", "/about.html=about", "/blog/index.html=blog", "/blog/first/index.html=first",
        "/assets/site.css=css", "/assets/app.js=js", "/404.html=missing",
    ];

    private static string[] With(params string[] changes)
    {
        var files = Site.ToDictionary(l => l[..l.LastIndexOf('=')]);
        foreach (var change in changes)
            if (change.StartsWith('-')) files.Remove(change[1..]);
            else files[change[..change.LastIndexOf('=')]] = change;
        return [.. files.Values];
    }

    public static TheoryData<string, string[], string[]> Cases => new()
    {
        // name, after (as a change to Site: "path=content" adds or changes, "-path" removes), expected CDN paths
        { "unchanged tree: nothing", With(), [] },
        { "one page: itself and its clean URL", With("/about.html=new"), ["/about", "/about.html"] },
        { "root index: / and /index.html", With("/index.html=new"), ["/", "/index.html"] },
        { "directory index: the file, /dir/ and /dir", With("/blog/index.html=new"), ["/blog", "/blog/", "/blog/index.html"] },
        { "deep index page", With("/blog/first/index.html=new"), ["/blog/first", "/blog/first/", "/blog/first/index.html"] },
        { "asset: no alias", With("/assets/site.css=new"), ["/assets/site.css"] },
        { "removal: the file and its aliases", With("-/blog/first/index.html"), ["/blog/first", "/blog/first/", "/blog/first/index.html"] },
        { "addition", With("/new.html=n"), ["/new", "/new.html"] },
        { "unicode: UTF-8 percent-encoded", With("/café/menü.html=x"), ["/caf%C3%A9/men%C3%BC", "/caf%C3%A9/men%C3%BC.html"] },
        { "outside the BMP", With("/😀.txt=x"), ["/%F0%9F%98%80.txt"] },
        { "space", With("/my file.pdf=x"), ["/my%20file.pdf"] },
        { "percent sign", With("/100%.txt=x"), ["/100%25.txt"] },
        { "question mark would start a query", With("/what?.txt=x"), ["/what%3F.txt"] },
        { "hash would start a fragment", With("/c#.txt=x"), ["/c%23.txt"] },
        { "other unsafe characters", With("/a<b>{c}|d\\e^f[g]`h\".txt=x"), ["/a%3Cb%3E%7Bc%7D%7Cd%5Ce%5Ef%5Bg%5D%60h%22.txt"] },
        { "reserved characters browsers send as they are", With("/a;b:c@d=e&f$g+h,i!j'k(l)m~n.txt=x"), ["/a;b:c@d=e&f$g+h,i!j'k(l)m~n.txt"] },
        { "star inside a name is literal", With("/a*b.txt=x"), ["/a*b.txt"] },
        { "star ending a name: the same path, read as a prefix wildcard", With("/notes/todo*=x"), ["/notes/todo*"] },
        { "404 page is a page like any other", With("/404.html=new"), ["/404", "/404.html"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_ChangeToSite_InvalidatesExactlyTheseCdnPaths(string name, string[] after, string[] expected)
    {
        var plan = InvalidationPlanner.Plan(SomeManifest.From(Site), SomeManifest.From(after), new InvalidationOptions());

        Assert.True(expected.SequenceEqual(plan.Paths), $"{name}: got [{string.Join(", ", plan.Paths)}]");
    }

    [Fact]
    public void Plan_Rollback_InvalidatesTheSamePathsAsTheDeployItUndoes()
    {
        var v1 = SomeManifest.From(Site);
        var v2 = SomeManifest.From(With("/about.html=v2", "-/blog/first/index.html", "/assets/new.js=n"));

        var deploy = InvalidationPlanner.Plan(v1, v2, new InvalidationOptions());
        var rollback = InvalidationPlanner.Plan(v2, v1, new InvalidationOptions());

        Assert.Equal(["/about", "/about.html", "/assets/new.js", "/blog/first", "/blog/first/", "/blog/first/index.html"], deploy.Paths);
        Assert.Equal(deploy.Paths, rollback.Paths);
    }

    [Fact]
    public void Plan_FirstRelease_InvalidatesEverythingWithOnePath()
    {
        var plan = InvalidationPlanner.Plan(null, SomeManifest.From(Site), new InvalidationOptions());

        Assert.Equal(["/*"], plan.Paths);
        Assert.Equal(Site.Length, plan.ChangedFiles.Count);
    }

    [Fact]
    public void Plan_OnlyHeadersChanged_InvalidatesThePath()
    {
        var before = SomeManifest.From(Site);
        var after = before with
        {
            Files = before.Files.SetItem("/assets/app.js", before.Files["/assets/app.js"] with
            {
                Headers = ImmutableSortedDictionary<string, string>.Empty.Add("Cache-Control", "no-store"),
            }),
        };

        Assert.Equal(["/assets/app.js"], InvalidationPlanner.Plan(before, after, new InvalidationOptions()).Paths);
    }

    [Fact]
    public void Plan_OnlyCodingsChanged_InvalidatesThePathButNotForAnotherCompressionOfThem()
    {
        static ImmutableSortedDictionary<string, Jamdeploy.Manifests.EncodedBlob> Codings(string seed, params string[] names) =>
            names.ToImmutableSortedDictionary(n => n, n => new Jamdeploy.Manifests.EncodedBlob(Jamdeploy.Model.ContentHash.Of(System.Text.Encoding.UTF8.GetBytes(seed + n)), 10), StringComparer.Ordinal);
        var before = SomeManifest.From(Site);
        before = before with { Files = before.Files.SetItem("/about.html", before.Files["/about.html"] with { Encodings = Codings("q9", "br", "gzip") }) };
        var gzipOnly = before with { Files = before.Files.SetItem("/about.html", before.Files["/about.html"] with { Encodings = Codings("q9", "gzip") }) };
        var recompressed = before with { Files = before.Files.SetItem("/about.html", before.Files["/about.html"] with { Encodings = Codings("q11", "br", "gzip") }) };

        Assert.Equal(["/about", "/about.html"], InvalidationPlanner.Plan(before, gzipOnly, new InvalidationOptions()).Paths);
        // The digest covers the names only: the same names are the same answers to a client, however well compressed.
        Assert.True(InvalidationPlanner.Plan(before, recompressed, new InvalidationOptions()).IsEmpty);
    }

    [Fact]
    public void Plan_SameHeadersInDistinctInstances_IsNoChange()
    {
        var headers = () => ImmutableSortedDictionary<string, string>.Empty.Add("X-Frame-Options", "DENY");
        var before = SomeManifest.From(Site);
        before = before with { Files = before.Files.SetItem("/index.html", before.Files["/index.html"] with { Headers = headers() }) };
        var after = before with { Files = before.Files.SetItem("/index.html", before.Files["/index.html"] with { Headers = headers() }) };

        Assert.True(InvalidationPlanner.Plan(before, after, new InvalidationOptions()).IsEmpty);
    }

    [Fact]
    public void Plan_DirectoryChangedEntirely_OneWildcardKeepsTheDirectoryAlias()
    {
        var docs = Enumerable.Range(0, 12).Select(i => $"/docs/p{i:D2}.css=v1").Append("/docs/index.html=v1").ToArray();
        var before = SomeManifest.From([.. Site, .. docs]);
        var after = SomeManifest.From([.. Site, .. docs.Select(d => d.Replace("=v1", "=v2"))]);

        var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions());

        // /docs/* covers /docs/ and every file; /docs (no slash) is not under it.
        Assert.Equal(["/docs", "/docs/*"], plan.Paths);
        Assert.Equal(1, plan.WildcardCount);
    }

    [Fact]
    public void Plan_DirectoryChangedEntirelyButSmall_StaysExplicit()
    {
        var before = SomeManifest.From([.. Site, "/img/a.png=1", "/img/b.png=1"]);
        var after = SomeManifest.From([.. Site, "/img/a.png=2", "/img/b.png=2"]);

        Assert.Equal(["/img/a.png", "/img/b.png"], InvalidationPlanner.Plan(before, after, new InvalidationOptions()).Paths);
    }

    [Fact]
    public void Plan_PastThreshold_CollapsesTheMostCrowdedDirectoryKeepingUnrelatedPaths()
    {
        // 150 of 200 posts change (so /posts/ is not entirely changed); the threshold is 100 paths.
        var posts = Enumerable.Range(0, 200).Select(i => $"/posts/{i:D3}.css=v1").ToArray();
        var before = SomeManifest.From([.. Site, .. posts]);
        var after = SomeManifest.From([.. With("/about.html=v2"), .. posts.Select((p, i) => i < 150 ? p.Replace("=v1", "=v2") : p)]);

        var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = 100 });

        Assert.Equal(["/about", "/about.html", "/posts/*"], plan.Paths);
        Assert.Contains("more than 100", plan.Reason);
    }

    [Fact]
    public void Plan_ThresholdPrefersTheDeeperDirectoryOnATie()
    {
        var posts = Enumerable.Range(0, 30).Select(i => $"/blog/2024/{i:D2}.css=v1").Append("/blog/2023/keep.css=v1").ToArray();
        var before = SomeManifest.From([.. Site, .. posts]);
        var after = SomeManifest.From([.. Site, .. posts.Select(p => p.Contains("2024") ? p.Replace("=v1", "=v2") : p)]);

        var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = 10, MinPathsForDirectoryWildcard = int.MaxValue });

        Assert.Equal(["/blog/2024/*"], plan.Paths);
    }

    [Fact]
    public void Plan_FlatTreePastThreshold_FallsBackToEverything()
    {
        var files = Enumerable.Range(0, 50).Select(i => $"/f{i:D2}.txt=v1").ToArray();
        var before = SomeManifest.From([.. files, "/keep.txt=k"]);
        var after = SomeManifest.From([.. files.Select(f => f.Replace("=v1", "=v2")), "/keep.txt=k"]);

        var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = 20 });

        Assert.Equal(["/*"], plan.Paths);
        Assert.Contains("whole site", plan.Reason);
    }

    [Fact]
    public void Plan_MoreDirectoriesThanWildcardsAllowed_FallsBackToEverything()
    {
        // 20 directories of 10 changed files each: 20 wildcards would pass CloudFront's 15 in flight.
        var files = Enumerable.Range(0, 20).SelectMany(d => Enumerable.Range(0, 10).Select(f => $"/d{d:D2}/f{f}.txt=v1")).ToArray();
        var before = SomeManifest.From([.. files, .. files.Select(f => f.Replace(".txt=v1", ".keep=k"))]);
        var after = SomeManifest.From([.. files.Select(f => f.Replace("=v1", "=v2")), .. files.Select(f => f.Replace(".txt=v1", ".keep=k"))]);

        var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = 10 });

        Assert.Equal(["/*"], plan.Paths);
    }

    [Fact]
    public void Plan_3500PathsUnderAHighThreshold_SplitsIntoBatchesOf3000()
    {
        // 100 directories × 35 changed of 36 files: no directory changed entirely, no threshold reached.
        var files = Enumerable.Range(0, 100).SelectMany(d => Enumerable.Range(0, 36).Select(f => $"/d{d:D3}/f{f:D2}.js=v1")).ToArray();
        var before = SomeManifest.From(files);
        var after = SomeManifest.From(files.Select(f => f.EndsWith("f35.js=v1") ? f : f.Replace("=v1", "=v2")));

        var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = 10_000 });

        Assert.Equal(3500, plan.Paths.Count);
        Assert.Equal([3000, 500], plan.Batches.Select(b => b.Paths.Count));
        Assert.Equal(plan.Paths, plan.Batches.SelectMany(b => b.Paths));
        Assert.Equal(17.5m, plan.WorstCaseCostUsd(CdnLimits.CloudFront));
    }

    [Fact]
    public void Split_SixteenWildcards_SecondBatchStartsAtTheSixteenth()
    {
        var paths = Enumerable.Range(0, 16).Select(i => $"/w{i:D2}/*").Prepend("/a.html").ToList();

        var batches = InvalidationBatch.Split(paths, CdnLimits.CloudFront);

        Assert.Equal([16, 1], batches.Select(b => b.Paths.Count));
        Assert.Equal([15, 1], batches.Select(b => b.WildcardCount));
    }

    [Fact]
    public void Plan_StarEndingNames_CountAsWildcardsInBatches()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"/t/{i:D2}*=x").ToArray();
        var plan = InvalidationPlanner.Plan(SomeManifest.From(Site), SomeManifest.From([.. Site, .. names]), new InvalidationOptions { MinPathsForDirectoryWildcard = int.MaxValue });

        Assert.Equal(20, plan.WildcardCount);
        Assert.Equal([15, 5], plan.Batches.Select(b => b.WildcardCount));
    }
}
