using System.Collections.Immutable;
using Jamdeploy.Manifests;
using Jamdeploy.Rules;

namespace Jamdeploy.Core.Tests.Rules;

public sealed class SiteRuleSetTests
{
    public static TheoryData<string, string, string?> Patterns => new()
    {
        // pattern, path, captures (name=value, ';'-separated) or null for no match
        { "/about", "/about", "" },
        { "/about", "/about/", null },
        { "/about", "/About", null },
        { "/news/*", "/news/2024/hello", "splat=2024/hello" },
        { "/news/*", "/news/", "splat=" },
        { "/news/*", "/news", "splat=" },
        { "/news/*", "/newsletter", null },
        { "/*", "/", "splat=" },
        { "/*", "/a/b/c", "splat=a/b/c" },
        { "/*.json", "/api/feed.json", "splat=api/feed" },
        { "/*.json", "/api/feed.jsonp", null },
        { "/assets/old.aa*", "/assets/old.aabbccdd.js", "splat=bbccdd.js" },
        { "/blog/:year/*", "/blog/2024/hello.html", "splat=hello.html;year=2024" },
        { "/blog/:year/*", "/blog/2024", "splat=;year=2024" },
        { "/blog/:year/*", "/blog/", null },
        { "/posts/:year/:slug", "/posts/2024/hello", "slug=hello;year=2024" },
        { "/posts/:year/:slug", "/posts/2024/hello/more", null },
        { "/posts/:year/:slug", "/posts//hello", null },
        { "/*/edit/:id", "/a/b/edit/7", "id=7;splat=a/b" },
        { "/*/edit/:id", "/edit/7", null },
        { "/docs/*/index.html", "/docs/index.html", null },
        { "/docs/*/index.html", "/docs//index.html", "splat=" },
        { "/café/*", "/café/menu", "splat=menu" },
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void TryMatch_Pattern_MatchesAsTheContractSays(string pattern, string path, string? expected)
    {
        var matched = RulePattern.Parse(pattern).TryMatch(path, out var captures);

        var actual = matched ? string.Join(";", (captures ?? []).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")) : null;
        Assert.True(expected == actual, $"{pattern} against {path}: {actual ?? "no match"}");
    }

    private static SiteRuleSet Rules(HeaderRule[] headers, RedirectRule[] redirects) => SiteRuleSet.From(new SiteRules([.. headers], [.. redirects]));

    private static HeaderRule Header(string path, params (string Name, string Value)[] headers) =>
        new(path, headers.ToImmutableSortedDictionary(h => h.Name, h => h.Value, StringComparer.Ordinal));

    [Fact]
    public void HeadersFor_EveryMatchingRuleInOrder_OneHeadersValuesJoined()
    {
        var rules = Rules(
            [Header("/*", ("X-Robots-Tag", "noindex"), ("X-Frame-Options", "SAMEORIGIN")), Header("/docs/*", ("x-robots-tag", "nofollow")), Header("/blog/*", ("X-Blog", "1"))],
            []);

        Assert.Equal(["X-Frame-Options: SAMEORIGIN", "X-Robots-Tag: noindex, nofollow"], rules.HeadersFor("/docs/intro").Select(h => $"{h.Key}: {h.Value}"));
        Assert.Empty(SiteRuleSet.Empty.HeadersFor("/docs/intro"));
    }

    [Fact]
    public void RedirectFor_FirstMatchAmongForcedOrOthers_WithCapturesSubstituted()
    {
        var rules = Rules([],
        [
            new RedirectRule("/news/*", "/blog/:splat", 302, false),
            new RedirectRule("/news/*", "/never", 302, false),
            new RedirectRule("/data.json", "/api/feed.json", 301, true),
            new RedirectRule("/go/:where", "https://example.com/:where?from=jamdeploy", 307, false),
            new RedirectRule("/find/:term", "/search?q=:term", 302, false),
        ]);

        Assert.Equal(("/blog/2024/café bar", null), Where(rules.RedirectFor("/news/2024/café bar/", forced: false)));
        Assert.Null(rules.RedirectFor("/news/x", forced: true));
        Assert.Equal(("/api/feed.json", null), Where(rules.RedirectFor("/data.json", forced: true)));
        Assert.Equal("https://example.com/caf%C3%A9?from=jamdeploy", rules.RedirectFor("/go/café", forced: false)!.Url);
        Assert.Equal(("/search", "?q=a%20b"), Where(rules.RedirectFor("/find/a b", forced: false)));
        Assert.Null(rules.RedirectFor("/elsewhere", forced: false));

        static (string?, string?) Where(RedirectMatch? match) => (match!.SitePath, match.Query);
    }
}
