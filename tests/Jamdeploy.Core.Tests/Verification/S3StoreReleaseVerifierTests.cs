using Jamdeploy.Core.Tests.Cleanup;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Core.Tests.Verification;

public sealed class S3StoreReleaseVerifierTests(MotoServer moto) : ReleaseVerifierContract, IClassFixture<MotoServer>
{
    private readonly S3Stores _stores = new(moto);

    protected override Task<IObjectStore> CreateEmptyStoreAsync() => _stores.NewAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _stores.Dispose();
    }
}
