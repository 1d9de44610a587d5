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

public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/", "/", "")]
    [InlineData("/a/b.html?x=1", "/a/b.html", "?x=1")]
    [InlineData("/with%20space", "/with space", "")]
    [InlineData("/caf%C3%A9", "/café", "")]
    [InlineData("/cafe%CC%81", "/café", "")]
    [InlineData("/%252e%252e", "/%2e%2e", "")]
    [InlineData("/a/", "/a/", "")]
    [InlineData("/a?b=/../c", "/a", "?b=/../c")]
    [InlineData("http://host:1/a/b", "/a/b", "")]
    [InlineData("/...", "/...", "")]
    [InlineData("/.well-known/x", "/.well-known/x", "")]
    public void TryParse_AcceptableTarget_DecodesOnce(string raw, string path, string query)
    {
        Assert.Equal(TargetRejection.None, RequestTarget.TryParse(raw, 1024, out var target));
        Assert.Equal(path, target.Path);
        Assert.Equal(query, target.Query);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("a")]
    [InlineData("/..")]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/.")]
    [InlineData("/%2e%2e/a")]
    [InlineData("/%2E/a")]
    [InlineData("/a%2fb")]
    [InlineData("/a%2Fb")]
    [InlineData("/a\\b")]
    [InlineData("/a%5cb")]
    [InlineData("/a%00")]
    [InlineData("/a%0d%0aSet-Cookie:x")]
    [InlineData("/a%7f")]
    [InlineData("/%c0%ae%c0%ae/")]
    [InlineData("/%c0%af")]
    [InlineData("/%e0%80%ae")]
    [InlineData("/%ed%a0%80")]
    [InlineData("/%ff")]
    [InlineData("/%")]
    [InlineData("/%4")]
    [InlineData("/%g0")]
    [InlineData("//a")]
    [InlineData("/a//b")]
    [InlineData("/a#b")]
    [InlineData("/é")]
    [InlineData("http://host")]
    [InlineData("http://host?x")]
    public void TryParse_AmbiguousOrHostileTarget_IsABadRequest(string raw)
    {
        Assert.Equal(TargetRejection.BadRequest, RequestTarget.TryParse(raw, 1024, out _));
    }

    [Fact]
    public void TryParse_PathLongerThanTheLimit_IsTooLong()
    {
        Assert.Equal(TargetRejection.TooLong, RequestTarget.TryParse("/" + new string('a', 100), 64, out _));
        Assert.Equal(TargetRejection.TooLong, RequestTarget.TryParse("/" + string.Concat(Enumerable.Repeat("%61", 100)), 64, out _));
        Assert.Equal(TargetRejection.None, RequestTarget.TryParse("/" + new string('a', 63), 64, out _));
    }
}

public sealed class ByteRangeRequestTests
{
    [Theory]
    [InlineData(null, 10, "full")]
    [InlineData("bytes=0-3", 10, "0-3")]
    [InlineData("bytes=0-0", 10, "0-0")]
    [InlineData("bytes=7-", 10, "7-9")]
    [InlineData("bytes=-3", 10, "7-9")]
    [InlineData("bytes=-30", 10, "0-9")]
    [InlineData("bytes=5-100", 10, "5-9")]
    [InlineData("BYTES=1-2", 10, "1-2")]
    [InlineData(" bytes = 1 - 2 ", 10, "full")]
    [InlineData("bytes= 1-2", 10, "1-2")]
    [InlineData("bytes=10-", 10, "416")]
    [InlineData("bytes=10-20", 10, "416")]
    [InlineData("bytes=-0", 10, "416")]
    [InlineData("bytes=0-", 0, "416")]
    [InlineData("bytes=-5", 0, "416")]
    [InlineData("bytes=3-2", 10, "full")]
    [InlineData("bytes=a-b", 10, "full")]
    [InlineData("bytes=-", 10, "full")]
    [InlineData("bytes=", 10, "full")]
    [InlineData("bytes=0-1,3-4", 10, "full")]
    [InlineData("items=0-1", 10, "full")]
    [InlineData("bytes=99999999999999999999-", 10, "full")]
    public void Evaluate_Header_GivesTheRangeOrTheFallback(string? header, long size, string expected)
    {
        var outcome = ByteRangeRequest.Evaluate(header, size, out var range);

        var actual = outcome switch
        {
            RangeOutcome.Full => "full",
            RangeOutcome.Unsatisfiable => "416",
            _ => $"{range.From}-{range.To}",
        };
        Assert.Equal(expected, actual);
    }
}

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

    [Theory]
    [InlineData("PointerTtl")]
    [InlineData("MaxPathLength")]
    [InlineData("CacheControl:FingerprintPattern")]
    [InlineData("BlobCache:MaxBlobBytes")]
    [InlineData("Preview:HostSuffix")]
    public void Validate_BadSetting_NamesTheKey(string key)
    {
        var options = key switch
        {
            "PointerTtl" => new ServeOptions { PointerTtl = TimeSpan.FromSeconds(-1) },
            "MaxPathLength" => new ServeOptions { MaxPathLength = 1 },
            "CacheControl:FingerprintPattern" => new ServeOptions { CacheControl = new CacheControlOptions { FingerprintPattern = "(" } },
            "BlobCache:MaxBlobBytes" => new ServeOptions { BlobCache = new BlobCacheOptions { MaxBytes = 10, MaxBlobBytes = 11 } },
            _ => new ServeOptions { Preview = new PreviewOptions { HostSuffix = ".example.com" } },
        };

        var error = Assert.Throws<UsageException>(() => options.Validate());

        Assert.Contains($"Serve:{key}", error.Message);
    }
}
