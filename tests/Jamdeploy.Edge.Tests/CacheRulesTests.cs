using Jamdeploy.Manifests;
using Jamdeploy.Model;

namespace Jamdeploy.Edge.Tests;

public sealed class CacheRulesTests
{
    private static readonly CacheControlOptions Options = new();
    private static readonly CacheRules Rules = new(Options);

    [Theory]
    [InlineData("/app.3f9a1c2e.js", "application/javascript", "immutable")]
    [InlineData("/assets/index-0123456789abcdef.css", "text/css", "immutable")]
    [InlineData("/app.js", "application/javascript", "default")]
    [InlineData("/app.3f9a1c2.js", "application/javascript", "default")]
    [InlineData("/app.settings.js", "application/javascript", "default")]
    [InlineData("/3f9a1c2e3f.d/app.js", "application/javascript", "default")]
    [InlineData("/page.3f9a1c2e.html", "text/html; charset=utf-8", "html")]
    [InlineData("/index.html", "text/html", "html")]
    [InlineData("/logo.png", "image/png", "default")]
    public void For_Path_PicksTheRule(string path, string contentType, string rule)
    {
        var entry = new ManifestEntry(ContentHash.Of([1]), 1, contentType);

        var expected = rule switch { "immutable" => Options.Immutable, "html" => Options.Html, _ => Options.Default };
        Assert.Equal(expected, Rules.For(path, entry));
    }

    [Fact]
    public void For_EntryWithItsOwnCacheControl_ThatWins()
    {
        var entry = new ManifestEntry(ContentHash.Of([1]), 1, "text/html")
        {
            Headers = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("cache-control", "no-store"),
        };

        Assert.Equal("no-store", Rules.For("/index.html", entry));
    }
}
