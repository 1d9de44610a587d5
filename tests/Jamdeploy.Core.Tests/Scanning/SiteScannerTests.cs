using Jamdeploy.Scanning;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Scanning;

public sealed class SiteScannerTests : IDisposable
{
    private readonly TempDirectory _dir = new("scan");

    public void Dispose() => _dir.Dispose();

    private IReadOnlyList<string> Scan(params string[] ignore) =>
        [.. SiteScanner.Scan(_dir.Combine("site"), new IgnoreRules(ignore), CancellationToken.None).Select(f => f.SitePath)];

    [Fact]
    public void Scan_Tree_GivesSlashSeparatedUrlPathsInOrdinalOrder()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("site/b/Page.HTML", "p");
        _dir.Write("site/a/deep/er/x.css", "x");
        Assert.Equal(["/a/deep/er/x.css", "/b/Page.HTML", "/index.html"], Scan());
    }

    [Fact]
    public void Scan_DecomposedName_IsNormalizedToNfc()
    {
        _dir.Write("site/cafe\u0301.html", "c");
        Assert.Equal(["/caf\u00e9.html"], Scan());
    }

    [Fact]
    public void Scan_SameNameInNfcAndNfd_IsRefused()
    {
        _dir.Write("site/cafe\u0301.html", "c");
        _dir.Write("site/caf\u00e9.html", "c");
        var e = Assert.Throws<UsageException>(() => Scan());
        Assert.Contains("appears twice", e.Message);
    }

    [Fact]
    public void Scan_GitAndJamdeployFolders_AreSkippedAtAnyDepth()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("site/.git/config", "c");
        _dir.Write("site/sub/.git/HEAD", "h");
        _dir.Write("site/.jamdeploy/store/live.json", "{}");
        _dir.Write("site/.well-known/security.txt", "s");
        Assert.Equal(["/.well-known/security.txt", "/index.html"], Scan());
    }

    [Fact]
    public void Scan_IgnoreGlobs_SkipMatchingFilesAndFolders()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("site/.DS_Store", "x");
        _dir.Write("site/img/.DS_Store", "x");
        _dir.Write("site/drafts/a.html", "d");
        _dir.Write("site/js/app.js.map", "m");
        Assert.Equal(["/index.html"], Scan(".DS_Store", "drafts", "**/*.map"));
    }

    [Fact]
    public void Scan_LinkInsideTheRoot_IsFollowed()
    {
        _dir.Write("site/assets/logo.svg", "<svg/>");
        File.CreateSymbolicLink(_dir.Combine("site", "logo.svg"), _dir.Combine("site", "assets", "logo.svg"));
        Directory.CreateSymbolicLink(_dir.Combine("site", "static"), _dir.Combine("site", "assets"));
        Assert.Equal(["/assets/logo.svg", "/logo.svg", "/static/logo.svg"], Scan());
    }

    [Fact]
    public void Scan_LinkLoop_DoesNotRecurseForever()
    {
        _dir.Write("site/a/index.html", "i");
        Directory.CreateSymbolicLink(_dir.Combine("site", "a", "up"), _dir.Combine("site"));
        Assert.Equal(["/a/index.html"], Scan());
    }

    [Fact]
    public void Scan_DirectoryLinkOutOfTheRoot_IsRefused()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("elsewhere/secret.txt", "s");
        Directory.CreateSymbolicLink(_dir.Combine("site", "more"), _dir.Combine("elsewhere"));
        var e = Assert.Throws<UsageException>(() => Scan());
        Assert.Contains("'more' links outside the deploy folder", e.Message);
    }

    [Fact]
    public void Scan_RootReachedThroughALink_StillContainsItsOwnFiles()
    {
        _dir.Write("real/index.html", "i");
        Directory.CreateSymbolicLink(_dir.Combine("site"), _dir.Combine("real"));
        Assert.Equal(["/index.html"], Scan());
    }

    [Fact]
    public void Scan_BrokenLink_IsRefusedWithItsPath()
    {
        _dir.Write("site/index.html", "i");
        File.CreateSymbolicLink(_dir.Combine("site", "gone.css"), _dir.Combine("nowhere.css"));
        var e = Assert.Throws<UsageException>(() => Scan());
        Assert.Contains("'gone.css' is a broken link", e.Message);
    }

    [Fact]
    public void Scan_NamedPipe_IsRefusedRatherThanReadForever()
    {
        _dir.Write("site/index.html", "i");
        MakeFifo(_dir.Combine("site", "events"));
        var e = Assert.Throws<UsageException>(() => Scan());
        Assert.Equal("'events' is not a regular file (a pipe, socket or device), which cannot be deployed; remove it or add it to Deploy:Ignore", e.Message);
    }

    [Fact]
    public void Scan_LinkToANamedPipe_IsRefused()
    {
        _dir.Write("site/index.html", "i");
        MakeFifo(_dir.Combine("site", "events"));
        File.CreateSymbolicLink(_dir.Combine("site", "feed"), _dir.Combine("site", "events"));
        var e = Assert.Throws<UsageException>(() => Scan("events"));
        Assert.Contains("'feed' links to something that is not a regular file", e.Message);
    }

    [Fact]
    public void Scan_NamedPipeThatIsIgnored_IsSkipped()
    {
        _dir.Write("site/index.html", "i");
        MakeFifo(_dir.Combine("site", "events"));
        Assert.Equal(["/index.html"], Scan("events"));
    }

    [Fact]
    public void Scan_Sizes_AreTheFileLengths()
    {
        _dir.Write("site/a.txt", "");
        _dir.Write("site/b/c.txt", new string('x', 70_000));
        var files = SiteScanner.Scan(_dir.Combine("site"), IgnoreRules.None, CancellationToken.None);
        Assert.Equal([0L, 70_000L], files.Select(f => f.Length));
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
