using System.Diagnostics;
using Jamdeploy.Manifests;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// The CloudFront edge's tests write their stores with a JavaScript serializer
/// (src/Jamdeploy.CloudFrontEdge/tests/support/store-documents.js). These check that what it writes is what
/// jamdeploy writes: read back by StoreDocuments and serialized again, every byte is the same.
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

        var manifest = StoreDocuments.ReadManifest(written, "manifest.json");

        Assert.Equal(5, manifest.Files.Count);
        Assert.Equal("DENY", manifest.Files["/emoji-\U0001F600.txt"].Headers!["X-Frame-Options"]);
        Assert.Contains("/café & <it's> \"quoted\" +`x`\\.txt", manifest.Files.Keys);
        Assert.Equal(Normalized(StoreDocuments.Serialize(manifest)), Normalized(written));
    }

    [Fact(Timeout = 60000)]
    public async Task JavaScriptWrittenPointer_ReadsBackAndReserializesByteForByte()
    {
        await WriteWithNodeAsync();
        var written = await File.ReadAllBytesAsync(_directory.Combine("live.json"));

        var pointer = StoreDocuments.ReadPointer(written, "live.json");

        Assert.Equal("20261124-101500-3f9a1c", pointer.Live.Value);
        Assert.Equal(2, pointer.History.Count);
        Assert.Equal(Normalized(StoreDocuments.Serialize(pointer)), Normalized(written));
    }

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
