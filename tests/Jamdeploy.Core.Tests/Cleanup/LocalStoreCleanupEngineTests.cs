using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Cleanup;

public sealed class LocalStoreCleanupEngineTests : CleanupEngineContract
{
    private readonly TempDirectory _root = new("cleanup-store");

    protected override Task<IObjectStore> CreateEmptyStoreAsync() => Task.FromResult<IObjectStore>(new LocalDirectoryStore(_root.Path));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Dispose();
    }
}
