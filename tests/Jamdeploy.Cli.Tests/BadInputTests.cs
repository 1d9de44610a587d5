using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// Invariant 6: bad input gets one line on stderr naming what to fix, the documented exit code, and the
/// store byte-for-byte unchanged. In process through the real entry point; exits 1 and 2, an unreadable
/// file (run as another user) and a broken shipped appsettings.json (a copied install) as a real process.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _workspace = new("bad-input");

    private string Store => _workspace.Combine("store");

    public void Dispose() => _workspace.Dispose();

    private async Task<string> DeployGoodSiteAsync(string stamp = "v1")
    {
        var site = Some.Site(_workspace, $"good-{stamp}", stamp);
        var result = await Jamdeploy(["deploy", site]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return site;
    }

    private Task<ProcessResult> Jamdeploy(string[] args, bool realProcess = false, int? runAsUid = null) =>
        realProcess || runAsUid is not null
            ? JamdeployProcess.RunAsync(_workspace.Path, [.. args, "--store", Store], runAsUid: runAsUid)
            : InProcessCli.RunAsync([.. args, "--store", Store], workingDirectory: _workspace.Path);

    private async Task AssertRefusedAsync(string[] args, int exitCode, string mentions, bool realProcess = false, int? runAsUid = null)
    {
        var before = StoreSnapshot.Of(Store);
        var result = await Jamdeploy(args, realProcess, runAsUid);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.StartsWith("jamdeploy: ", lines[0]);
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_MissingFolder_NamesTheFolder()
    {
        await DeployGoodSiteAsync();
        await AssertRefusedAsync(["deploy", "./no-such-folder"], ExitCodes.Usage, "'./no-such-folder' does not exist");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_FileInsteadOfFolder_SaysItIsAFile()
    {
        await DeployGoodSiteAsync();
        _workspace.Write("site.zip", "zip");
        await AssertRefusedAsync(["deploy", "site.zip"], ExitCodes.Usage, "'site.zip' is a file");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_EmptyFolder_SaysThereIsNothingToDeploy()
    {
        await DeployGoodSiteAsync();
        Directory.CreateDirectory(_workspace.Combine("empty", ".git"));
        _workspace.Write("empty/.git/HEAD", "ref: refs/heads/main");
        await AssertRefusedAsync(["deploy", "empty"], ExitCodes.Usage, "has no files to deploy");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_LinkOutOfTheRoot_IsRefusedWithItsPath()
    {
        await DeployGoodSiteAsync();
        var site = Some.Site(_workspace, "linked");
        var secret = _workspace.Write("outside/secret.txt", "password");
        File.CreateSymbolicLink(Path.Combine(site, "css", "leak.txt"), secret);
        await AssertRefusedAsync(["deploy", "linked"], ExitCodes.Usage, "'css/leak.txt' links outside the deploy folder");
    }

    /// <summary>Reading a named pipe waits for a writer that never comes: the deploy must refuse it, not hang.</summary>
    [Fact(Timeout = 60000)]
    public async Task Deploy_NamedPipeInTheFolder_IsRefusedWithItsPath()
    {
        await DeployGoodSiteAsync();
        var site = Some.Site(_workspace, "piped");
        MakeFifo(Path.Combine(site, "js", "live.log"));
        await AssertRefusedAsync(["deploy", "piped"], ExitCodes.Usage, "'js/live.log' is not a regular file");
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_UnreadableFile_NamesTheFile()
    {
        await DeployGoodSiteAsync();
        var site = Some.Site(_workspace, "locked");
        var locked = Path.Combine(site, "js", "app.js");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        // Root reads any file; run as nobody so the permission means what it says, as it does in CI runners.
        int? uid = Environment.UserName == "root" ? 65534 : null;
        if (uid is not null) OpenUpForNobody();
        await AssertRefusedAsync(["deploy", "locked"], ExitCodes.Usage, "cannot read 'js/app.js'", runAsUid: uid);
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_NameAUrlCannotCarry_NamesThePath()
    {
        await DeployGoodSiteAsync();
        var site = Some.Site(_workspace, "badname");
        File.WriteAllText(Path.Combine(site, "img", "bad\u0007name.png"), "png");
        await AssertRefusedAsync(["deploy", "badname"], ExitCodes.Usage, "'img/bad?name.png' has a control character");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_BackslashInName_NamesThePath()
    {
        await DeployGoodSiteAsync();
        var site = Some.Site(_workspace, "backslash");
        File.WriteAllText(Path.Combine(site, "a\\b.html"), "x");
        await AssertRefusedAsync(["deploy", "backslash"], ExitCodes.Usage, "'a\\b.html' has a backslash");
    }

    [Fact(Timeout = 60000)]
    public async Task AnyCommand_MalformedProjectConfig_NamesTheFileAndLine()
    {
        var site = await DeployGoodSiteAsync();
        _workspace.Write("jamdeploy.json", "{\n  \"Deploy\": { \"UploadConcurrency\": 4,, }\n");
        await AssertRefusedAsync(["deploy", site], ExitCodes.Usage, "jamdeploy.json: not valid JSON at line 2");
    }

    [Fact(Timeout = 60000)]
    public async Task AnyCommand_WrongTypeInConfig_NamesTheKey()
    {
        var site = await DeployGoodSiteAsync();
        _workspace.Write("jamdeploy.json", "{ \"Deploy\": { \"UploadConcurrency\": \"many\" } }");
        await AssertRefusedAsync(["deploy", site], ExitCodes.Usage, "Deploy:UploadConcurrency");
    }

    [Fact(Timeout = 90000)]
    public async Task AnyCommand_MalformedShippedAppSettings_NamesTheFile()
    {
        var site = await DeployGoodSiteAsync();
        var install = _workspace.Combine("install");
        CopyDirectory(Path.GetDirectoryName(JamdeployProcess.CliDll)!, install);
        File.WriteAllText(Path.Combine(install, "appsettings.json"), "{ \"Store\": ");
        var before = StoreSnapshot.Of(Store);

        using var process = JamdeployProcess.Start(_workspace.Path, ["deploy", site, "--store", Store], dll: Path.Combine(install, "jamdeploy.dll"));
        var result = await process.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("appsettings.json: not valid JSON", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        StoreSnapshot.AssertUnchanged(before, Store);
    }

    [Fact(Timeout = 60000)]
    public async Task Rollback_WithNothingToRollBackTo_SaysSo()
    {
        await DeployGoodSiteAsync();
        await AssertRefusedAsync(["rollback"], ExitCodes.Usage, "nothing to roll back to");
    }

    [Fact(Timeout = 60000)]
    public async Task Rollback_OnAnEmptyStore_SaysNothingWasLive()
    {
        await AssertRefusedAsync(["rollback"], ExitCodes.Usage, "nothing to roll back");
    }

    [Fact(Timeout = 60000)]
    public async Task Promote_UnknownRelease_SaysHowToListThem()
    {
        await DeployGoodSiteAsync();
        await AssertRefusedAsync(["promote", "20200101-000000-abcdef"], ExitCodes.Usage, "release 20200101-000000-abcdef does not exist");
    }

    [Fact(Timeout = 60000)]
    public async Task Promote_MalformedId_IsAUsageError()
    {
        await DeployGoodSiteAsync();
        await AssertRefusedAsync(["promote", "../../etc/passwd"], ExitCodes.Usage, "is not a release id");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_CorruptLivePointer_NamesTheDocument()
    {
        var site = await DeployGoodSiteAsync();
        File.WriteAllText(Path.Combine(Store, "live.json"), "{ \"live\": 42 ");
        await AssertRefusedAsync(["deploy", site], ExitCodes.Failed, "live.json: the live pointer is corrupt", realProcess: true);
        await AssertRefusedAsync(["status"], ExitCodes.Failed, "live.json: the live pointer is corrupt");
        await AssertRefusedAsync(["rollback"], ExitCodes.Failed, "live.json: the live pointer is corrupt");
    }

    [Fact(Timeout = 60000)]
    public async Task Deploy_CorruptLiveManifest_NamesTheDocument()
    {
        var site = await DeployGoodSiteAsync();
        var manifest = Directory.GetFiles(Path.Combine(Store, "releases")).Single();
        File.WriteAllText(manifest, "[]");
        var changed = Some.Site(_workspace, "changed", "v2");
        await AssertRefusedAsync(["deploy", changed], ExitCodes.Failed, "the release manifest is corrupt");
        await AssertRefusedAsync(["releases"], ExitCodes.Failed, "the release manifest is corrupt");
        Assert.NotNull(site);
    }

    /// <summary>
    /// The reproduced defect: a manifest copied to another release's key passed <c>verify --all</c> while
    /// promote called it corrupt. Both now name it foreign, and neither changes anything.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task ManifestCopiedByHand_VerifyAndPromoteBothRefuseIt()
    {
        await DeployGoodSiteAsync();
        var manifest = Directory.GetFiles(Path.Combine(Store, "releases")).Single();
        var live = Path.GetFileNameWithoutExtension(manifest);
        File.Copy(manifest, Path.Combine(Store, "releases", "copied-by-hand.json"));
        var foreign = $"releases/copied-by-hand.json: the manifest names release {live}, not copied-by-hand";

        var before = StoreSnapshot.Of(Store);
        var verify = await Jamdeploy(["verify", "--all"]);
        StoreSnapshot.AssertUnchanged(before, Store);
        await AssertRefusedAsync(["promote", "copied-by-hand"], ExitCodes.Failed, foreign);

        Assert.True(verify.ExitCode == ExitCodes.Failed, verify.ToString());
        Assert.Contains(verify.Stdout.Split('\n'), line => line.StartsWith("BROKEN  copied-by-hand: ", StringComparison.Ordinal) && line.Contains(foreign, StringComparison.Ordinal));
        Assert.Contains(verify.Stdout.Split('\n'), line => line.StartsWith($"ok      {live} (live)", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60000)]
    public async Task UnknownOption_IsAUsageError()
    {
        await AssertRefusedAsync(["deploy", "x", "--no-such-flag"], ExitCodes.Usage, "--no-such-flag", realProcess: true);
    }

    private void OpenUpForNobody()
    {
        for (var dir = new DirectoryInfo(_workspace.Path); dir is not null; dir = dir.Parent)
            dir.UnixFileMode |= UnixFileMode.OtherExecute | UnixFileMode.OtherRead;
        foreach (var entry in new DirectoryInfo(_workspace.Path).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            if (entry.Name != "app.js") entry.UnixFileMode |= UnixFileMode.OtherRead | UnixFileMode.OtherWrite | (entry is DirectoryInfo ? UnixFileMode.OtherExecute : 0);
        new DirectoryInfo(_workspace.Path).UnixFileMode |= UnixFileMode.OtherWrite;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
