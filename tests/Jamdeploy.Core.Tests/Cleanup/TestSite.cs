using Jamdeploy.Cdn;
using Jamdeploy.Cleanup;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.Verification;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;

namespace Jamdeploy.Core.Tests.Cleanup;

/// <summary>
/// One site in a store under test, deployed with the real pipeline from folders it writes, on a fake
/// clock that the store keeps too (<see cref="ClockedStore"/>).
/// </summary>
public sealed class TestSite : IDisposable
{
    private readonly TempDirectory _folders = new("cleanup-site");
    private int _folderCount;

    public TestSite(IObjectStore realStore)
    {
        Clock = new FakeTimeProvider(Start);
        Store = new ClockedStore(realStore, Clock);
    }

    /// <summary>
    /// A week in the past: a test moves the clock days on and can still bring it to the present, where parties
    /// that contend for the store lease for real run on the system clock.
    /// </summary>
    public DateTimeOffset Start { get; } = DateTimeOffset.UtcNow - TimeSpan.FromDays(7);

    public FakeTimeProvider Clock { get; }

    /// <summary>The store as every party of a test sees it: the real one, keeping the fake clock.</summary>
    public IObjectStore Store { get; }

    /// <summary>
    /// A site whose home page and one page (and <paramref name="extraFiles"/> more) are its own and whose
    /// stylesheet every version shares.
    /// </summary>
    public static Dictionary<string, string> Version(int n, int extraFiles = 0)
    {
        var files = new Dictionary<string, string>
        {
            ["index.html"] = $"<h1>version {n}</h1>",
            [$"pages/p{n}.html"] = $"<p>page of version {n}</p>",
            ["assets/site.css"] = "body { color: #123 }",
        };
        for (var i = 0; i < extraFiles; i++) files[$"extra/e{i}.txt"] = $"extra {i} of version {n}";
        return files;
    }

    /// <param name="clock">The site's by default; the system's for a deploy that contends for the store lease for real.</param>
    public async Task<ReleaseId> DeployAsync(IReadOnlyDictionary<string, string> files, IObjectStore? through = null, bool promote = true, bool force = false, TimeProvider? clock = null)
    {
        var folder = _folders.Combine($"v{Interlocked.Increment(ref _folderCount)}");
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }
        var deployer = new Deployer(through ?? Store, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions(), clock ?? Clock, Logger.None);
        var result = await deployer.DeployAsync(new DeployRequest(folder) { Promote = promote, Force = force }, null, CancellationToken.None);
        return result.Release;
    }

    /// <summary>Deploys versions 1..count a minute apart, each live in turn.</summary>
    public async Task<IReadOnlyList<ReleaseId>> DeployVersionsAsync(int count)
    {
        var ids = new List<ReleaseId>();
        for (var n = 1; n <= count; n++)
        {
            ids.Add(await DeployAsync(Version(n)));
            Clock.Advance(TimeSpan.FromMinutes(1));
        }
        return ids;
    }

    public ReleaseOperations Operations(IObjectStore? through = null, TimeProvider? clock = null) =>
        new(new ReleaseStore(through ?? Store), new CdnNotifier(new NoCdn(), false, Logger.None), clock ?? Clock, LivePointer.DefaultHistoryLimit, Logger.None);

    public CleanupEngine Cleanup(IObjectStore? through = null, TimeProvider? clock = null) => new(through ?? Store, clock ?? Clock);

    public Task<VerificationReport> VerifyAsync(VerifyTarget target, bool deep = true) =>
        new ReleaseVerifier(Store).VerifyAsync(target, deep, CancellationToken.None);

    public async Task<ReleaseId?> LiveAsync() => (await new ReleaseStore(Store).ReadLiveAsync(CancellationToken.None)).Live;

    public async Task<bool> LeaseReleasedAsync() =>
        (await new ReleaseStore(Store).ReadLeaseAsync(CancellationToken.None))?.Document?.Released == true;

    public async Task<IReadOnlyList<string>> KeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var info in Store.ListAsync(prefix, CancellationToken.None)) keys.Add(info.Key);
        return keys;
    }

    public async Task<IReadOnlyList<ReleaseId>> ReleasesAsync() =>
        [.. (await KeysAsync(StoreLayout.ReleasesPrefix)).Select(k => StoreLayout.TryParseRelease(k, out var id) ? id : throw new InvalidOperationException(k)).OrderBy(id => id.Value, StringComparer.Ordinal)];

    public async Task<Manifest> ManifestAsync(ReleaseId id) =>
        await new ReleaseStore(Store).TryReadManifestAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"{id} is gone");

    /// <summary>Writes a blob directly, as a deploy that was interrupted before its manifest leaves it.</summary>
    public async Task<ContentHash> PutOrphanBlobAsync(string content)
    {
        var blob = ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes(content), "text/plain");
        await Store.PutAsync(StoreLayout.Blob(blob.Sha256), blob, WriteCondition.IfAbsent, CancellationToken.None);
        return blob.Sha256;
    }

    public void Dispose() => _folders.Dispose();
}
