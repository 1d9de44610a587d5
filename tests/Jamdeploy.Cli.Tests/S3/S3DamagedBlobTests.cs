using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>
/// A blob on S3 whose bytes no longer match the checksum stored with them (bit rot, a tool that wrote around
/// jamdeploy). moto does not check checksums, so the damage is made by writing other bytes under the blob's
/// key with the original checksum: the object S3 would hold if its body had changed after the write.
/// </summary>
public sealed class S3DamagedBlobTests(MotoServer moto) : IDisposable, IClassFixture<MotoServer>
{
    private readonly TempDirectory _workspace = new("s3damaged");

    public void Dispose() => _workspace.Dispose();

    [Fact(Timeout = 180_000)]
    public async Task VerifyDeep_BlobWhoseBodyDoesNotMatchItsChecksum_NamesItBrokenAndExits1()
    {
        using var site = await S3Site.CreateAsync(moto);
        var env = site.Environment();
        var deploy = await JamdeployProcess.RunAsync(_workspace.Path, ["deploy", Some.Site(_workspace), "--store", site.Url], env);
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var live = ReleaseId.Parse(S3Site.LiveIdFrom(deploy));
        var css = await DamageAsync(site.Store, live, "/css/site.css");

        var result = await JamdeployProcess.RunAsync(_workspace.Path, ["verify", "--deep", "--store", site.Url], env);

        Assert.True(result.ExitCode == ExitCodes.Failed, result.ToString());
        Assert.Contains($"BROKEN  {live} (live): 1 broken blob of 6", result.Stdout);
        Assert.Contains($"  corrupt  {css.Hex[..12]}  /css/site.css", result.Stdout);
        Assert.Equal("jamdeploy: verify failed: 1 of 1 release cannot be served whole (1 broken blob)", result.Stderr.Trim());
    }

    /// <summary>Stores other bytes of the same size under the file's blob key, with the checksum of the real ones.</summary>
    internal static async Task<ContentHash> DamageAsync(IObjectStore store, ReleaseId release, string path)
    {
        var manifest = await new ReleaseStore(store).ReadLiveManifestAsync(release, CancellationToken.None);
        var entry = manifest.Files[path];
        var forged = new byte[entry.Size];
        Array.Fill(forged, (byte)'x');
        var lying = new ObjectContent(() => new MemoryStream(forged, writable: false), forged.Length, entry.Hash, entry.ContentType);
        var written = await store.PutAsync(StoreLayout.Blob(entry.Hash), lying, WriteCondition.None, CancellationToken.None);
        Assert.True(written.Written);
        return entry.Hash;
    }
}
