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
    public void Scan_LinksToGitUnderOtherNames_AreSkippedAndTold()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("site/.git/config", "c");
        _dir.Write("site/.git/objects/ab/cdef", "o");
        _dir.Write("site/.git.bak/kept.txt", "k");
        Directory.CreateSymbolicLink(_dir.Combine("site", "history"), ".git");
        Directory.CreateSymbolicLink(_dir.Combine("site", "objects"), Path.Combine(".git", "objects"));
        File.CreateSymbolicLink(_dir.Combine("site", "settings.txt"), Path.Combine(".git", "config"));
        var skipped = new System.Collections.Concurrent.ConcurrentBag<(string, string)>();

        var files = SiteScanner.Scan(_dir.Combine("site"), IgnoreRules.None, CancellationToken.None, skippedLink: (link, target) => skipped.Add((link, target)));

        Assert.Equal(["/.git.bak/kept.txt", "/index.html"], files.Select(f => f.SitePath));
        Assert.Equal([("history", ".git"), ("objects", ".git/objects"), ("settings.txt", ".git/config")], skipped.Order());
    }

    [Fact]
    public void Scan_GitFileOfASubmodule_IsSkippedLikeTheFolder()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("site/theme/.git", "gitdir: ../../.git/modules/theme");
        _dir.Write("site/theme/style.css", "s");
        Assert.Equal(["/index.html", "/theme/style.css"], Scan());
    }

    [Fact]
    public void Scan_LinkIntoAnIgnoredFolder_IsSkippedAsTheFolderIs()
    {
        _dir.Write("site/index.html", "i");
        _dir.Write("site/drafts/secret.html", "d");
        _dir.Write("site/private/notes/n.txt", "n");
        Directory.CreateSymbolicLink(_dir.Combine("site", "published"), "drafts");
        Directory.CreateSymbolicLink(_dir.Combine("site", "more"), "private");
        File.CreateSymbolicLink(_dir.Combine("site", "leak.html"), Path.Combine("drafts", "secret.html"));
        Assert.Equal(["/index.html"], Scan("drafts", "private/**"));
    }

    [Fact]
    public void Scan_LinkLoop_IsRefusedWithItsPath()
    {
        _dir.Write("site/index.html", "i");
        File.CreateSymbolicLink(_dir.Combine("site", "a"), "b");
        File.CreateSymbolicLink(_dir.Combine("site", "b"), "a");
        File.CreateSymbolicLink(_dir.Combine("site", "self"), "self");
        var e = Assert.Throws<UsageException>(() => Scan("a", "b"));
        Assert.Equal("'self' is a loop of links that never reaches a file or folder; remove it or add it to Deploy:Ignore", e.Message);
    }

    [Theory]
    [InlineData(1024, null)]
    [InlineData(1025, "is 1,025 characters long as a URL path")]
    public void Scan_PathLength_IsJudgedByTheEdgesLimit(int length, string? refusal)
    {
        var name = new string('p', 200);
        var folders = string.Join('/', Enumerable.Repeat(name, 4));
        var file = new string('f', length - 1 - folders.Length - 1);
        _dir.Write($"site/{folders}/{file}", "x");

        if (refusal is null) Assert.Equal([$"/{folders}/{file}"], Scan());
        else Assert.Contains(refusal, Assert.Throws<UsageException>(() => Scan()).Message);
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
        // The pipe one folder down: the scan reads a folder's entries before the folders below it, so the link is met first
        // (an ignored pipe would not do: what a link leads to is skipped as it would be under its own name).
        _dir.Write("site/index.html", "i");
        Directory.CreateDirectory(_dir.Combine("site", "run"));
        MakeFifo(_dir.Combine("site", "run", "events"));
        File.CreateSymbolicLink(_dir.Combine("site", "feed"), _dir.Combine("site", "run", "events"));
        var e = Assert.Throws<UsageException>(() => Scan());
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
