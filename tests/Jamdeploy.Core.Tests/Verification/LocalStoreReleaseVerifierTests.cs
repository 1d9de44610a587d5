using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Verification;

public sealed class LocalStoreReleaseVerifierTests : ReleaseVerifierContract
{
    private readonly TempDirectory _root = new("verify-store");

    protected override Task<IObjectStore> CreateEmptyStoreAsync() => Task.FromResult<IObjectStore>(new LocalDirectoryStore(_root.Path));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Dispose();
    }
}
