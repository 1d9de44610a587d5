using System.Collections.Frozen;
using Jamdeploy.Manifests;
using Jamdeploy.Model;

namespace Jamdeploy.Edge.Tests;

public sealed class ReleaseResolverTests
{
    private static readonly FrozenDictionary<string, ManifestEntry> Files = new[]
    {
        "/index.html", "/about.html", "/docs/index.html", "/docs/intro.html", "/404.html", "/raw", "/both.html", "/both/index.html",
    }.ToFrozenDictionary(p => p, p => new ManifestEntry(ContentHash.Of(System.Text.Encoding.UTF8.GetBytes(p)), p.Length, "text/html"), StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ManifestEntry> No404 =
        Files.Where(kv => kv.Key != "/404.html").ToFrozenDictionary(StringComparer.Ordinal);

    [Theory]
    [InlineData("/", TrailingSlashPolicy.Redirect, "file /index.html")]
    [InlineData("/index.html", TrailingSlashPolicy.Redirect, "file /index.html")]
    [InlineData("/about", TrailingSlashPolicy.Redirect, "file /about.html")]
    [InlineData("/about.html", TrailingSlashPolicy.Redirect, "file /about.html")]
    [InlineData("/about/", TrailingSlashPolicy.Redirect, "redirect /about")]
    [InlineData("/about/", TrailingSlashPolicy.Serve, "file /about.html")]
    [InlineData("/docs", TrailingSlashPolicy.Redirect, "redirect /docs/")]
    [InlineData("/docs", TrailingSlashPolicy.Serve, "file /docs/index.html")]
    [InlineData("/docs/", TrailingSlashPolicy.Redirect, "file /docs/index.html")]
    [InlineData("/docs/intro", TrailingSlashPolicy.Redirect, "file /docs/intro.html")]
    [InlineData("/docs/intro/", TrailingSlashPolicy.Redirect, "redirect /docs/intro")]
    [InlineData("/raw", TrailingSlashPolicy.Redirect, "file /raw")]
    [InlineData("/raw/", TrailingSlashPolicy.Redirect, "redirect /raw")]
    [InlineData("/both", TrailingSlashPolicy.Redirect, "file /both.html")]
    [InlineData("/both/", TrailingSlashPolicy.Redirect, "file /both/index.html")]
    [InlineData("/missing", TrailingSlashPolicy.Redirect, "404 /404.html")]
    [InlineData("/missing/", TrailingSlashPolicy.Redirect, "404 /404.html")]
    [InlineData("/docs/missing", TrailingSlashPolicy.Serve, "404 /404.html")]
    [InlineData("/Index.html", TrailingSlashPolicy.Redirect, "404 /404.html")]
    public void Resolve_Path_GivesTheExpectedAnswer(string path, TrailingSlashPolicy policy, string expected)
    {
        Assert.Equal(expected, Describe(ReleaseResolver.Resolve(Files, path, policy), Files));
    }

    [Fact]
    public void Resolve_MissingWithout404Page_NotFoundWithoutPage()
    {
        var resolution = ReleaseResolver.Resolve(No404, "/missing", TrailingSlashPolicy.Redirect);

        Assert.Equal(new Resolution.NotFound(null), resolution);
    }

    private static string Describe(Resolution resolution, FrozenDictionary<string, ManifestEntry> files) => resolution switch
    {
        Resolution.File f => $"file {f.Path}",
        Resolution.Redirect r => $"redirect {r.Location}",
        Resolution.NotFound { Page: { } page } => "404 " + files.Single(kv => kv.Value == page).Key,
        Resolution.NotFound => "404",
        _ => throw new InvalidOperationException(),
    };
}
