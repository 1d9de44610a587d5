using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests;

/// <summary>
/// Where the site goes is never a surprise: a store argument that looks like a URL but is not one jamdeploy
/// knows is refused before anything is written (it used to become a local folder named <c>s3:</c>), and every
/// command that writes names the store it wrote to. In process, through the real entry point.
/// </summary>
public sealed class StoreLocationTests : IDisposable
{
    private readonly TempDirectory _workspace = new("store-location");

    public void Dispose() => _workspace.Dispose();

    [Theory(Timeout = 60_000)]
    [InlineData("s3:/my-bucket", "write s3://bucket/prefix", "did you mean s3://my-bucket?")]
    [InlineData("s3:my-bucket/www", "write s3://bucket/prefix", "did you mean s3://my-bucket/www?")]
    [InlineData("S3:/my-bucket/www", "write s3://bucket/prefix", "did you mean s3://my-bucket/www?")]
    [InlineData("gs://my-bucket/www", "does not know the scheme 'gs:'", "s3://bucket/prefix")]
    [InlineData("https://example.com/site", "does not know the scheme 'https:'", "s3://bucket/prefix")]
    [InlineData("site:v2", "does not know the scheme 'site:'", "is written ./site:v2")]
    [InlineData("s3://192.168.1.10/www", "not a valid S3 bucket name", "s3://bucket/prefix")]
    [InlineData("s3://xn--bucket/www", "not a valid S3 bucket name", "s3://bucket/prefix")]
    [InlineData("s3://my_bucket/www", "not a valid S3 bucket name", "s3://bucket/prefix")]
    public async Task Deploy_StoreThatLooksLikeAUrlButIsNotAValidOne_IsExit2WithTheCorrectFormAndWritesNothing(string store, string problem, string form)
    {
        var site = Some.Site(_workspace, "public");
        var before = Directory.GetFileSystemEntries(_workspace.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var result = await InProcessCli.RunAsync(["deploy", site, "--store", store], workingDirectory: _workspace.Path);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(problem, line);
        Assert.Contains(form, line);
        Assert.Equal("", result.Stdout);
        Assert.Equal(before, Directory.GetFileSystemEntries(_workspace.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    /// <summary>The same from jamdeploy.json's <c>Store</c>: the one location, wherever it was given.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Deploy_ConfiguredStoreWithOneSlash_IsExit2()
    {
        var site = Some.Site(_workspace, "public");
        _workspace.Write("jamdeploy.json", """{ "Store": "s3:/my-bucket/www" }""");

        var result = await InProcessCli.RunAsync(["deploy", site], workingDirectory: _workspace.Path);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("did you mean s3://my-bucket/www?", result.Stderr);
        Assert.False(Directory.Exists(_workspace.Combine("s3:")));
    }

    /// <summary>A directory whose name has a colon is still a directory when written as a path.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Deploy_DirectoryWithAColonWrittenAsAPath_IsALocalStore()
    {
        var result = await InProcessCli.RunAsync(["deploy", Some.Site(_workspace, "public"), "--store", "./stores/s3:x"], workingDirectory: _workspace.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(_workspace.Combine("stores", "s3:x", "live.json")));
    }

    /// <summary>Each command that writes says where, as the full path of the store (a relative --store included).</summary>
    [Fact(Timeout = 120_000)]
    public async Task WritingCommands_SayWhichStoreTheyWrote()
    {
        var store = _workspace.Combine("my-store");
        var storeLine = $"store: {store}";
        async Task<string> Run(params string[] args)
        {
            var result = await InProcessCli.RunAsync([.. args, "--store", "my-store"], workingDirectory: _workspace.Path);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains(storeLine, result.Stdout.Split('\n'));
            return result.Stdout;
        }

        var first = (await Run("deploy", Some.Site(_workspace, "v1", "v1"))).Split('\n').Single(l => l.StartsWith("live: ", StringComparison.Ordinal)).Split(' ')[1];
        await Run("deploy", Some.Site(_workspace, "v2", "v2"));
        await Run("deploy", _workspace.Combine("v2"));                        // unchanged
        await Run("deploy", Some.Site(_workspace, "v3", "v3"), "--dry-run");
        await Run("deploy", _workspace.Combine("v3"), "--no-promote");
        await Run("rollback");
        await Run("promote", first);
        await Run("promote", first);                                          // already live
        await Run("pin", first);
        await Run("unpin", first);
        await Run("invalidate", "--dry-run");
        await Run("invalidate");
        await Run("cleanup", "--dry-run");
        await Run("cleanup");
    }
}
