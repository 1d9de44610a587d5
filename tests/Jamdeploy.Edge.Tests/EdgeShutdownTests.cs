using System.Net;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Model;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

public sealed class EdgeShutdownTests : IDisposable
{
    private readonly TempDirectory _directory = new("edge-shutdown");

    public void Dispose() => _directory.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Stop_WhileARequestIsInFlight_TheRequestCompletesThenTheServerStops()
    {
        var store = new LocalDirectoryStore(_directory.Combine("store"));
        var blob = new byte[3 << 20];
        Random.Shared.NextBytes(blob);
        await new TestSite(store).DeployAsync([new SiteFile("/big.bin", blob, "application/octet-stream")]);
        var intercepting = new InterceptingStore(store);
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        intercepting.BeforeOpenRead = async key =>
        {
            if (key != StoreLayout.Blob(ContentHash.Of(blob))) return;
            opened.TrySetResult();
            await proceed.Task;
        };
        var edge = await RunningEdge.StartAsync(intercepting);

        var inFlight = edge.Client.GetAsync("/big.bin");
        await opened.Task;
        var stopping = edge.App.StopAsync();
        proceed.SetResult();
        using var response = await inFlight;
        var body = await response.Content.ReadAsByteArrayAsync();
        await stopping;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(blob, body);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => new HttpClient().GetAsync(edge.BaseAddress));
        await edge.DisposeAsync();
    }
}
