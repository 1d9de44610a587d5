using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.StoreContract;

namespace Jamdeploy.Aws.Tests.S3;

/// <summary>The store contract on S3 (moto), with a small list page so pagination really happens.</summary>
[RunsLong(14)]
public sealed class S3StoreContractTests(MotoServer moto) : ObjectStoreContract, IClassFixture<MotoServer>
{
    private readonly MotoS3 _s3 = new(moto);

    protected override async Task<IObjectStore> CreateStoreAsync() =>
        await _s3.NewStoreAsync(configure: options => options with { ListPageSize = 7 });
}
