using System.Diagnostics;
using System.Text.Json;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// The CloudFront edge's tests write their stores with a JavaScript serializer
/// (src/Jamdeploy.CloudFrontEdge/tests/support/store-documents.js). These check that what it writes is what
/// jamdeploy writes: read back through the store-document owner (ReleaseStore) and written again by it, every
/// byte is the same.
/// </summary>
public sealed class CloudFrontEdgeDocumentsTests : IDisposable
{
    private readonly TempDirectory _directory = new("edge-js-documents");

    public void Dispose() => _directory.Dispose();

    [Fact(Timeout = 60000)]
    public async Task JavaScriptWrittenManifest_ReadsBackAndReserializesByteForByte()
    {
        await WriteWithNodeAsync();
        var written = await File.ReadAllBytesAsync(_directory.Combine("manifest.json"));

        var id = ReleaseId.Parse(JsonDocument.Parse(written).RootElement.GetProperty("id").GetString()!);
        var source = Store("read");
        await source.PutAsync(StoreLayout.Release(id), ObjectContent.FromBytes(written, "application/json"), WriteCondition.IfAbsent, CancellationToken.None);

        var manifest = (await new ReleaseStore(source).ReadManifestAsync(id, CancellationToken.None)).OrThrow()!;
        var again = Store("written");
        await new ReleaseStore(again).WriteManifestAsync(manifest, CancellationToken.None);

        Assert.Equal(5, manifest.Files.Count);
        Assert.Equal("DENY", manifest.Files["/emoji-\U0001F600.txt"].Headers!["X-Frame-Options"]);
        Assert.Equal(["br", "gzip"], manifest.Files["/emoji-\U0001F600.txt"].Encodings!.Keys);
        Assert.Equal(2, manifest.Format);
        Assert.Equal("/new/:slug/:splat", manifest.Rules!.Redirects[0].To);
        Assert.Equal("default-src 'self'", manifest.Rules.Headers[0].Headers["Content-Security-Policy"]);
        Assert.Contains("/café & <it's> \"quoted\" +`x`\\.txt", manifest.Files.Keys);
        Assert.Equal(Normalized(written), Normalized((await again.GetAsync(StoreLayout.Release(id), CancellationToken.None))!.Content));
    }

    [Fact(Timeout = 60000)]
    public async Task JavaScriptWrittenPointer_ReadsBackAndReserializesByteForByte()
    {
        await WriteWithNodeAsync();
        var written = await File.ReadAllBytesAsync(_directory.Combine("live.json"));

        var source = Store("read");
        await source.PutAsync(StoreLayout.LiveKey, ObjectContent.FromBytes(written, "application/json"), WriteCondition.None, CancellationToken.None);

        var pointer = (await new ReleaseStore(source).ReadLiveAsync(CancellationToken.None)).Pointer!;
        var again = Store("written");
        await new ReleaseStore(again).WritePointerAsync(pointer, null, CancellationToken.None);

        Assert.Equal("20261124-101500-3f9a1c", pointer.Live.Value);
        Assert.Equal(2, pointer.History.Count);
        Assert.Equal(Normalized(written), Normalized((await again.GetAsync(StoreLayout.LiveKey, CancellationToken.None))!.Content));
    }

    private LocalDirectoryStore Store(string name) => new(_directory.Combine(name));

    private static string Normalized(byte[] json) => System.Text.Encoding.UTF8.GetString(json).ReplaceLineEndings("\n");

    private async Task WriteWithNodeAsync()
    {
        var script = Path.Combine(JamdeployProcess.RepositoryRoot, "src", "Jamdeploy.CloudFrontEdge", "tests", "support", "write-documents.js");
        using var node = Process.Start(new ProcessStartInfo("node", [script, _directory.Path])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("node did not start");
        var stderr = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"node write-documents.js failed: {stderr}");
    }
}
