using System.Collections.Immutable;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;

namespace Jamdeploy.Core.Tests.Invalidation;

/// <summary>A change of site rules is a change of the URLs whose answers it changes, with the same bytes at every path.</summary>
public sealed class RuleInvalidationTests
{
    private static readonly string[] Site = ["/index.html=home", "/docs/index.html=docs", "/docs/intro.html=intro", "/blog/post.html=post", "/app/index.html=app"];

    private static Manifest With(SiteRules? rules, params string[] files) => SomeManifest.From(files.Length == 0 ? Site : files) with { Rules = rules };

    private static SiteRules Headers(params (string Path, string Name, string Value)[] rules) =>
        new([.. rules.Select(r => new HeaderRule(r.Path, ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add(r.Name, r.Value)))], []);

    private static SiteRules Redirects(params RedirectRule[] rules) => new([], [.. rules]);

    private static IReadOnlyList<string> Paths(Manifest before, Manifest after) =>
        InvalidationPlanner.Plan(before, after, new InvalidationOptions()).Paths;

    [Fact]
    public void Plan_HeaderOnlyChange_InvalidatesEveryUrlOfTheFilesWhoseHeadersChange()
    {
        var before = With(Headers(("/*", "X-Frame-Options", "DENY"), ("/docs/*", "X-Version", "1")));
        var after = With(Headers(("/*", "X-Frame-Options", "DENY"), ("/docs/*", "X-Version", "2")));

        Assert.Equal(["/docs", "/docs/", "/docs/index.html", "/docs/intro", "/docs/intro.html"], Paths(before, after));
    }

    [Fact]
    public void Plan_HeaderRuleAdded_WhereThereWereNone_InvalidatesTheUrlsItMatches()
    {
        Assert.Equal(["/blog/post", "/blog/post.html"], Paths(With(null), With(Headers(("/blog/*", "X-Blog", "1")))));
    }

    [Fact]
    public void Plan_SameRules_InvalidatesNothing()
    {
        var rules = Headers(("/*", "X-Frame-Options", "DENY"));

        Assert.Empty(Paths(With(rules), With(Headers(("/*", "X-Frame-Options", "DENY")))));
    }

    [Fact]
    public void Plan_RedirectsAddedAndRemoved_InvalidateTheirFromPatterns_AWildcardUpToTheFirstStarOrPlaceholder()
    {
        var before = With(Redirects(new RedirectRule("/old-about", "/docs/", 301, false), new RedirectRule("/keep", "/", 301, false)));
        var after = With(Redirects(new RedirectRule("/keep", "/", 301, false), new RedirectRule("/news/*", "/blog/:splat", 302, false),
            new RedirectRule("/posts/:year/:slug", "/blog/:slug.html", 308, false)));

        Assert.Equal(["/news", "/news/*", "/old-about", "/old-about/", "/posts/*"], Paths(before, after));
    }

    [Fact]
    public void Plan_RewriteTargetChanged_InvalidatesEveryUrlTheRewriteAnswers()
    {
        var rules = Redirects(new RedirectRule("/app/*", "/app/index.html", 200, false));
        var after = With(rules, [.. Site.Where(f => !f.StartsWith("/app/")), "/app/index.html=app v2"]);

        Assert.Equal(["/app", "/app/*"], Paths(With(rules), after));
    }

    [Fact]
    public void Plan_RedirectsReordered_InvalidatesThePatternsWhoseOrderChanged()
    {
        var a = new RedirectRule("/a/*", "/x", 302, false);
        var b = new RedirectRule("/a/b", "/y", 302, false);
        var c = new RedirectRule("/c", "/z", 302, false);

        // "/a/*" covers "/a/b" and "/a/b/"; "/c" kept its place.
        Assert.Equal(["/a", "/a/*"], Paths(With(Redirects(c, a, b)), With(Redirects(c, b, a))));
    }
}
