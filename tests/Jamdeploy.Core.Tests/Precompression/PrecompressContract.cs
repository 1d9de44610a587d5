using System.Text;
using Jamdeploy.Cdn;
using Jamdeploy.Cleanup;
using Jamdeploy.Core.Tests.Cleanup;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.Verification;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Precompression;

/// <summary>
/// Precompressed forms through the real deploy pipeline, on every store (local directory, S3 on moto): made once per
/// content, reused while the content is unchanged, kept and deleted by cleanup with their release, checked by verify,
/// and sent again when one the live release has is gone.
/// </summary>
public abstract class PrecompressContract : IAsyncLifetime
{
    private const int Timeout = 300_000;
    private readonly TempDirectory _folders = new("precompress-site");
    private TestSite? _site;
    private int _folderCount;

    protected TestSite Site => _site ?? throw new InvalidOperationException("not initialised");

    protected abstract Task<IObjectStore> CreateEmptyStoreAsync();

    public async Task InitializeAsync() => _site = new TestSite(await CreateEmptyStoreAsync());

    public virtual Task DisposeAsync()
    {
        _site?.Dispose();
        _folders.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Pages over the 1 KiB floor (their own per version), a shared script over it, a small stylesheet under it, an image.</summary>
    private static Dictionary<string, string> Version(int n)
    {
        var files = new Dictionary<string, string>
        {
            ["index.html"] = Page($"home of version {n}"),
            ["a.html"] = Page("a"),
            ["b.html"] = Page("b"),
            ["app.js"] = string.Concat(Enumerable.Repeat("console.log('the same line');\n", 60)),
            ["site.css"] = "body { color: #123 }",
        };
        return files;
    }

    private static string Page(string title) =>
        $"<!doctype html><title>{title}</title>" + string.Concat(Enumerable.Repeat($"<p>{title}: a paragraph that repeats</p>\n", 40));

    private async Task<DeployResult> DeployAsync(IReadOnlyDictionary<string, string> files, IObjectStore? through = null, bool precompress = true, bool gzip = true)
    {
        var folder = _folders.Combine($"v{Interlocked.Increment(ref _folderCount)}");
        foreach (var (path, content) in files) _folders.Write(Path.GetRelativePath(_folders.Path, Path.Combine(folder, path)), content);
        var options = new DeployOptions { Precompress = new() { Enabled = precompress, Gzip = gzip } };
        var deployer = new Deployer(through ?? Site.Store, new CdnNotifier(new NoCdn(), false, Logger.None), options, Site.Clock, Logger.None);
        var result = await deployer.DeployAsync(new DeployRequest(folder), null, CancellationToken.None);
        Site.Clock.Advance(TimeSpan.FromMinutes(1));
        return result;
    }

    private async Task<byte[]> BlobAsync(ContentHash hash)
    {
        await using var stream = await Site.Store.OpenReadAsync(StoreLayout.Blob(hash), null, CancellationToken.None)
            ?? throw new InvalidOperationException($"blob {hash.Short} is missing");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact(Timeout = Timeout)]
    public async Task Deploy_CompressibleFiles_StoresBrotliAndGzipFormsThatDecodeToTheFile()
    {
        var files = Version(1);
        var result = await DeployAsync(files);

        var manifest = await Site.ManifestAsync(result.Release);
        foreach (var path in new[] { "/index.html", "/a.html", "/b.html", "/app.js" })
        {
            var entry = manifest.Files[path];
            Assert.Equal(["br", "gzip"], entry.Encodings!.Keys);
            foreach (var (coding, blob) in entry.Encodings)
            {
                var bytes = await BlobAsync(blob.Hash);
                Assert.Equal(blob.Size, bytes.Length);
                Assert.True(bytes.Length < entry.Size, $"{path} ({coding}) is not smaller than the file");
                Assert.Equal(Encoding.UTF8.GetBytes(files[path.TrimStart('/')]), ContentCodings.Decode(bytes, coding));
            }
        }
        Assert.Null(manifest.Files["/site.css"].Encodings);
        Assert.Equal((8, 0), (result.Precompressed.Made, result.Precompressed.Reused));
    }

    /// <summary>Without the gzip form, each compressed file costs one PUT more, not two; the edges serve a gzip-only client the file as it is.</summary>
    [Fact(Timeout = Timeout)]
    public async Task Deploy_GzipOff_StoresOnlyTheBrotliFormAndStaysOneRequestWhenUnchanged()
    {
        var result = await DeployAsync(Version(1), gzip: false);

        var manifest = await Site.ManifestAsync(result.Release);
        Assert.All(new[] { "/index.html", "/a.html", "/b.html", "/app.js" }, path => Assert.Equal(["br"], manifest.Files[path].Encodings!.Keys));
        Assert.Equal(4, result.Precompressed.Made);
        var blobs = 0;
        await foreach (var _ in Site.Store.ListAsync(StoreLayout.BlobsPrefix, CancellationToken.None)) blobs++;
        Assert.Equal(5 /* files */ + 4 /* brotli forms */, blobs);

        var again = new CountingStore(Site.Store);
        Assert.Equal(DeployOutcome.Unchanged, (await DeployAsync(Version(1), again, gzip: false)).Outcome);
        Assert.Equal(1, again.Counts.Total);
    }

    [Fact(Timeout = Timeout)]
    public async Task Deploy_Unchanged_IsOneRequestAndCompressesNothing()
    {
        await DeployAsync(Version(1));
        var counting = new CountingStore(Site.Store);

        var result = await DeployAsync(Version(1), counting);

        Assert.Equal(DeployOutcome.Unchanged, result.Outcome);
        Assert.Equal(1, counting.Counts.Total);
        Assert.Equal(0, result.Precompressed.Made);
    }

    [Fact(Timeout = Timeout)]
    public async Task Deploy_OneFileChanged_CompressesAndSendsOnlyThatFilesForms()
    {
        var first = await DeployAsync(Version(1));
        var counting = new CountingStore(Site.Store);

        var second = await DeployAsync(WithChanged(Version(1), "a.html"), counting);

        Assert.Equal(DeployOutcome.Live, second.Outcome);
        Assert.Equal((2, 6, 2), (second.Precompressed.Made, second.Precompressed.Reused, second.Precompressed.Sent));
        // The changed file, its two forms, the manifest, the pointer, the lease taken and given back.
        Assert.Equal(1 + 2 + 1 + 1 + 2, counting.Counts.Puts);
        var before = await Site.ManifestAsync(first.Release);
        var after = await Site.ManifestAsync(second.Release);
        Assert.Equal(before.Files["/b.html"].Encodings, after.Files["/b.html"].Encodings);
        Assert.NotEqual(before.Files["/a.html"].Encodings!["br"], after.Files["/a.html"].Encodings!["br"]);
    }

    private static Dictionary<string, string> WithChanged(Dictionary<string, string> files, string path)
    {
        files[path] = Page($"{path} changed");
        return files;
    }

    [Fact(Timeout = Timeout)]
    public async Task Deploy_NoPrecompress_StoresNoFormsAndCountsAsAChangeOfEveryCompressedPath()
    {
        var first = await DeployAsync(Version(1));
        var plain = await DeployAsync(Version(1), precompress: false);

        Assert.Equal(DeployOutcome.Live, plain.Outcome);
        Assert.All((await Site.ManifestAsync(plain.Release)).Files.Values, e => Assert.Null(e.Encodings));
        Assert.Equal(4, plain.Plan!.Changed);
        Assert.Empty(plain.Plan.Uploads);
        Assert.NotEqual(first.Release, plain.Release);
    }

    [Fact(Timeout = Timeout)]
    public async Task Deploy_AFormOfTheLiveReleaseDeletedOutOfBand_IsMadeAndSentAgain()
    {
        var first = await DeployAsync(Version(1));
        var lost = (await Site.ManifestAsync(first.Release)).Files["/a.html"].Encodings!["br"];
        await Site.Store.DeleteAsync([StoreLayout.Blob(lost.Hash)], CancellationToken.None);

        // b.html changes: its blob and two forms to find out about make the plan list the blobs, and see the gap.
        var second = await DeployAsync(WithChanged(Version(1), "b.html"));

        var manifest = await Site.ManifestAsync(second.Release);
        Assert.Equal(lost, manifest.Files["/a.html"].Encodings!["br"]);
        Assert.Equal(Encoding.UTF8.GetBytes(Version(1)["a.html"]), ContentCodings.Decode(await BlobAsync(lost.Hash), "br"));
        Assert.True((await Site.VerifyAsync(VerifyTarget.Live)).Ok);
    }

    [Fact(Timeout = Timeout)]
    public async Task Verify_AMissingForm_IsReportedWithThePathAndCoding()
    {
        var first = await DeployAsync(Version(1));
        var lost = (await Site.ManifestAsync(first.Release)).Files["/index.html"].Encodings!["gzip"];
        await Site.Store.DeleteAsync([StoreLayout.Blob(lost.Hash)], CancellationToken.None);

        foreach (var deep in new[] { false, true })
        {
            var report = await Site.VerifyAsync(VerifyTarget.Live, deep);

            var problem = Assert.Single(Assert.Single(report.Releases).Problems);
            Assert.Equal((lost.Hash, BlobFault.Missing), (problem.Hash, problem.Fault));
            Assert.Equal(["/index.html (gzip)"], problem.Paths);
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Cleanup_KeepsTheFormsOfKeptReleasesAndDeletesTheOthers()
    {
        var releases = new List<Manifest>();
        for (var n = 1; n <= 3; n++) releases.Add(await Site.ManifestAsync((await DeployAsync(Version(n))).Release));
        Site.Clock.Advance(TimeSpan.FromDays(2));

        await Site.Cleanup().RunAsync(new RetentionRules { KeepLast = 2, KeepFor = TimeSpan.Zero }, null, CancellationToken.None);

        var stored = (await Site.KeysAsync(StoreLayout.BlobsPrefix)).ToHashSet();
        var dropped = releases[0].Files["/index.html"].Encodings!.Values;
        Assert.All(dropped, v => Assert.DoesNotContain(StoreLayout.Blob(v.Hash), stored));
        Assert.All(releases[1..].SelectMany(m => m.Blobs), h => Assert.Contains(StoreLayout.Blob(h), stored));
        Assert.True((await Site.VerifyAsync(VerifyTarget.All)).Ok);
    }
}

public sealed class LocalStorePrecompressTests : PrecompressContract
{
    private readonly TempDirectory _root = new("precompress-store");

    protected override Task<IObjectStore> CreateEmptyStoreAsync() => Task.FromResult<IObjectStore>(new LocalDirectoryStore(_root.Path));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Dispose();
    }
}

public sealed class S3StorePrecompressTests(MotoServer moto) : PrecompressContract, IClassFixture<MotoServer>
{
    private readonly S3Stores _stores = new(moto);

    protected override Task<IObjectStore> CreateEmptyStoreAsync() => _stores.NewAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _stores.Dispose();
    }
}
