using Jamdeploy.Manifests;
using Jamdeploy.Rules;

namespace Jamdeploy.Core.Tests.Rules;

public sealed class SiteRulesParserTests
{
    public static TheoryData<string, string, string> Redirects => new()
    {
        // name, _redirects line, the rule stored (from to status force)
        { "status defaults to 301", "/old /new", "/old /new 301 False" },
        { "explicit status", "/old /new 302", "/old /new 302 False" },
        { "forced", "/data.json /api/feed.json 301!", "/data.json /api/feed.json 301 True" },
        { "forced rewrite", "/* /index.html 200!", "/* /index.html 200 True" },
        { "splat and placeholders", "/posts/:year/:slug/* /blog/:year/:slug/:splat 308", "/posts/:year/:slug/* /blog/:year/:slug/:splat 308 False" },
        { "placeholder followed by a suffix in to", "/p/:slug /blog/:slug.html", "/p/:slug /blog/:slug.html 301 False" },
        { "a trailing slash of from is dropped (requests match without it)", "/old/ /new/", "/old /new/ 301 False" },
        { "tabs and runs of spaces separate fields", "/old\t\t/new    307", "/old /new 307 False" },
        { "percent-escapes are decoded and stored in NFC", "/caf%C3%A9 /cafe%CC%81-new", "/café /café-new 301 False" },
        { "absolute URL with a query", "/go https://example.com/landing?x=1 302", "/go https://example.com/landing?x=1 302 False" },
        { "a path with a query", "/search /find?q=all 303", "/search /find?q=all 303 False" },
        { "a 404 rule", "/shop/* /shop-closed.html 404", "/shop/* /shop-closed.html 404 False" },
        { "a colon inside a name is literal", "/a:b /c", "/a:b /c 301 False" },
    };

    [Theory]
    [MemberData(nameof(Redirects))]
    public void ParseRedirects_Line_StoresTheRule(string name, string line, string expected)
    {
        var rule = Assert.Single(SiteRulesParser.ParseRedirects($"# comment\n\n{line}\r\n", "_redirects")).Rule;

        Assert.True(expected == $"{rule.From} {rule.To} {rule.Status} {rule.Force}", $"{name}: {rule}");
    }

    [Fact]
    public void ParseHeaders_PathsAndIndentedHeaders_InOrder_WithRepeatedNamesJoined()
    {
        const string text = "# security\n/*\n  X-Frame-Options: DENY\n  X-Robots-Tag: noindex\n\n/docs/*\n\tContent-Security-Policy: default-src 'self'\n  x-robots-tag: nofollow\n  X-Robots-Tag: noarchive\n/empty\n";

        var rules = SiteRulesParser.ParseHeaders(text, "_headers");

        Assert.Equal(["_headers:2", "_headers:6"], rules.Select(r => r.Where));
        Assert.Equal("/*", rules[0].Rule.Path);
        Assert.Equal(["X-Frame-Options=DENY", "X-Robots-Tag=noindex"], rules[0].Rule.Headers.Select(h => $"{h.Key}={h.Value}"));
        Assert.Equal(["Content-Security-Policy=default-src 'self'", "x-robots-tag=nofollow, noarchive"], rules[1].Rule.Headers.Select(h => $"{h.Key}={h.Value}"));
    }

    [Fact]
    public void Read_FileRulesFirst_ThenConfigured()
    {
        using var folder = new TestSupport.TempDirectory("rules");
        var redirects = folder.Write("site/_redirects", "/a /b\n");
        var headers = folder.Write("site/_headers", "/*\n  X-A: file\n");

        var parsed = SiteRulesParser.Read("site", headers, redirects,
            [new HeaderRuleSetting { Path = "/*", Headers = new() { ["X-A"] = "config" } }],
            [new RedirectRuleSetting { From = "/c/", To = "/d", Status = 302, Force = true }]);

        Assert.Equal([new RedirectRule("/a", "/b", 301, false), new RedirectRule("/c", "/d", 302, true)], parsed.Rules!.Redirects.ToArray());
        Assert.Equal(["file", "config"], parsed.Rules.Headers.Select(h => h.Headers["X-A"]));
        Assert.Equal(["site/_headers:1", "jamdeploy.json: Site:Headers:0"], parsed.Headers.Select(h => h.Where));
    }

    [Fact]
    public void Read_NoRules_IsNull_SoAPlainReleaseKeepsItsFormatAndDigest()
    {
        Assert.Null(SiteRulesParser.Read("site", null, null, [], []).Rules);
    }

    public static TheoryData<string, string, string> BadRedirects => new()
    {
        { "unknown status", "/a /b 418", "_redirects:1: status 418 is not supported" },
        { "not a status", "/a /b fast", "_redirects:1: 'fast' is not a status" },
        { "no target", "/a", "_redirects:1: '/a' has no target" },
        { "placeholder not captured", "/a/:x /b/:y", "_redirects:1: '/b/:y' uses :y, which from ('/a/:x') does not capture" },
        { "splat without a star", "/a /b/:splat", "_redirects:1: '/b/:splat' uses :splat but from ('/a') has no *" },
        { "two stars", "/*/x/* /b", "_redirects:1: '/*/x/*' has more than one *" },
        { "target neither path nor URL", "/a b.html", "_redirects:1: 'b.html' is neither a path of this site" },
        { "protocol-relative target", "/a //evil.example/x", "_redirects:1: '//evil.example/x' is neither a path of this site" },
        { "other scheme", "/a ftp://example.com/x", "_redirects:1: 'ftp://example.com/x' is neither a path of this site" },
        { "rewrite to another site", "/a https://example.com/ 200", "_redirects:1: a rewrite (200) serves a file of this site" },
        { "404 to another site", "/a https://example.com/ 404!", "_redirects:1: a 404 rule serves a file of this site" },
        { "query condition", "/store id=:id /blog/:id 301", "_redirects:1: query conditions ('id=:id') are not supported" },
        { "query in from", "/store?id=:id /blog/:id 301", "_redirects:1: '/store?id=:id' has a query; query conditions are not supported" },
        { "country condition", "/ /fr 302 Country=fr", "_redirects:1: conditions ('Country=fr') are not supported" },
        { "role condition", "/admin/* /admin/:splat 200! Role=admin", "_redirects:1: conditions ('Role=admin') are not supported" },
        { "language condition in the status place", "/ /fr Language=fr", "_redirects:1: conditions ('Language=fr') are not supported" },
        { "host in from", "https://old.example.com/* https://new.example.com/:splat 301!", "_redirects:1: 'https://old.example.com/*' names a host" },
        { "from not a path", "old /new", "_redirects:1: 'old' is not a path" },
        { "placeholder not a whole folder name", "/a/:slug.html /b/:slug", "_redirects:1: ':slug.html' is not a placeholder" },
        { "placeholder twice", "/:a/:a /b", "_redirects:1: :a appears twice" },
        { "from under the edge's prefix", "/_jamdeploy/x /y", "_redirects:1: '/_jamdeploy/x' is under /_jamdeploy/" },
        { "dot folder", "/a/../b /c", "_redirects:1: '/a/../b' has an empty, '.' or '..' folder name" },
        { "encoded slash", "/a%2Fb /c", "_redirects:1: '/a%2Fb' has an encoded / (%2F)" },
        { "star in to", "/a/* /b/*", "_redirects:1: '/b/*' has a *; write :splat" },
        { "rewrite with a query", "/a /b?x=1 200", "_redirects:1: '/b?x=1' has a query; a rewrite (200) serves a file" },
        { "too long", "/a /" + new string('b', 1_000), "_redirects:1: from and to are 1,003 characters long" },
    };

    [Theory]
    [MemberData(nameof(BadRedirects))]
    public void ParseRedirects_BadLine_IsAUsageErrorNamingFileAndLine(string name, string line, string expected)
    {
        var error = Assert.Throws<UsageException>(() => SiteRulesParser.ParseRedirects($"/fine /ok\n{line}\n", "_redirects"));

        Assert.True(error.Message.StartsWith(expected.Replace("_redirects:1:", "_redirects:2:"), StringComparison.Ordinal), $"{name}: {error.Message}");
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    public static TheoryData<string, string, string> BadHeaders => new()
    {
        { "header before a path", "  X-A: b", "_headers:1: a header line before any path" },
        { "unindented header", "/*\nX-A: b", "_headers:2: 'X-A: b' is not a path; indent header lines" },
        { "two paths on a line", "/a /b\n  X-A: b", "_headers:1: '/a /b' is not a path: a path line holds one path" },
        { "no colon", "/*\n  X-A b", "_headers:2: 'X-A b' is not a header line" },
        { "name not a token", "/*\n  X(A): b", "_headers:2: 'X(A)' is not a header name" },
        { "empty value", "/*\n  X-A:", "_headers:2: X-A has no value" },
        { "non-ASCII value", "/*\n  X-A: café", "_headers:2: the value of X-A holds a character a header cannot carry" },
        { "detach", "/*\n  ! X-A", "_headers:2: removing a header ('! X-A') is not supported" },
        { "Content-Length", "/*\n  Content-Length: 1", "_headers:2: Content-Length is set by the edges" },
        { "Content-Encoding", "/*\n  content-encoding: br", "_headers:2: content-encoding is set by the edges" },
        { "Vary", "/*\n  Vary: Cookie", "_headers:2: Vary is set by the edges" },
        { "Location", "/*\n  Location: /x", "_headers:2: Location is set by the edges; write a redirect" },
        { "Transfer-Encoding", "/*\n  Transfer-Encoding: chunked", "_headers:2: Transfer-Encoding is set by the edges" },
        { "CloudFront's", "/*\n  X-Edge-Location: x", "_headers:2: X-Edge-Location is set by the edges" },
        { "the edge's release header", "/*\n  X-Jamdeploy-Release: x", "_headers:2: X-Jamdeploy-Release is set by the edges" },
        { "two stars", "/*/a/*\n  X-A: b", "_headers:1: '/*/a/*' has more than one *" },
        { "host pattern", "https://:project.pages.dev/*\n  X-Robots-Tag: noindex", "_headers:1: 'https://:project.pages.dev/*' names a host" },
        { "line too long", "/*\n  X-A: " + new string('a', 2_000), "_headers:2: the line is 2,007 characters long" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void ParseHeaders_BadLine_IsAUsageErrorNamingFileAndLine(string name, string text, string expected)
    {
        var error = Assert.Throws<UsageException>(() => SiteRulesParser.ParseHeaders(text, "_headers"));

        Assert.True(error.Message.StartsWith(expected, StringComparison.Ordinal), $"{name}: {error.Message}");
    }

    [Fact]
    public void Read_MoreThanTheHeaderRuleLimit_NamesTheFirstRuleOver()
    {
        using var folder = new TestSupport.TempDirectory("rules");
        var headers = folder.Write("site/_headers", string.Concat(Enumerable.Range(0, 101).Select(i => $"/p{i}\n  X-A: b\n")));

        var error = Assert.Throws<UsageException>(() => SiteRulesParser.Read("site", headers, null, [], []));

        Assert.StartsWith("site/_headers:201: more than 100 header rules", error.Message);
    }

    [Fact]
    public void CheckResponseSizes_HeadersOverTheLimitForAFileUrl_NamesTheRuleThatTipsIt()
    {
        var big = new string('a', 1_500);
        var text = string.Concat(Enumerable.Range(0, 6).Select(i => $"/docs/*\n  X-Part-{i}: {big}\n"));
        var parsed = new ParsedSiteRules(SiteRulesParser.ParseHeaders(text, "_headers"), []);

        parsed.CheckResponseSizes(["/index.html", "/blog/"]);
        var error = Assert.Throws<UsageException>(() => parsed.CheckResponseSizes(["/index.html", "/docs/intro.html"]));

        Assert.StartsWith("_headers:11: with this rule, /docs/intro.html gets 9,072 bytes of rule headers", error.Message);
    }
}
