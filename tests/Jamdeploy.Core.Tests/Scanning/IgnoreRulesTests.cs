using Jamdeploy.Scanning;

namespace Jamdeploy.Core.Tests.Scanning;

public sealed class IgnoreRulesTests
{
    [Theory]
    [InlineData(".DS_Store", ".DS_Store", true)]
    [InlineData(".DS_Store", "img/.DS_Store", true)]
    [InlineData("*.map", "js/app.js.map", true)]
    [InlineData("*.map", "js/app.js", false)]
    [InlineData("/drafts", "drafts/a.html", true)]
    [InlineData("/drafts", "blog/drafts/a.html", false)]
    [InlineData("drafts", "blog/drafts/a.html", true)]
    [InlineData("blog/*.tmp", "blog/a.tmp", true)]
    [InlineData("blog/*.tmp", "blog/x/a.tmp", false)]
    [InlineData("blog/**/*.tmp", "blog/x/y/a.tmp", true)]
    [InlineData("blog/**/*.tmp", "blog/a.tmp", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file12.txt", false)]
    [InlineData("a+b(1).txt", "a+b(1).txt", true)]
    [InlineData("Thumbs.db", "img/thumbs.db", false)]
    [InlineData("*.swp", "a/b/.index.html.swp", true)]
    [InlineData("*.swp", "a/b.swp/index.html", true)]
    [InlineData("*.swp", "a/b/index.swp.html", false)]
    [InlineData("[draft].html", "[draft].html", true)]
    [InlineData("[draft].html", "d.html", false)]
    public void IsIgnored_Glob_MatchesLikeGitignore(string glob, string path, bool ignored) =>
        Assert.Equal(ignored, new IgnoreRules([glob]).IsIgnored(path));
}
