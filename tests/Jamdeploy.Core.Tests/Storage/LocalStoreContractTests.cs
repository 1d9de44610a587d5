using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using Jamdeploy.TestSupport.StoreContract;

namespace Jamdeploy.Core.Tests.Storage;

/// <summary>The store contract on the local directory store: the same suite S3 passes on moto.</summary>
public sealed class LocalStoreContractTests : ObjectStoreContract, IDisposable
{
    private readonly TempDirectory _root = new("local-contract");
    private int _stores;

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new LocalDirectoryStore(_root.Combine($"store{Interlocked.Increment(ref _stores)}")));

    public void Dispose() => _root.Dispose();
}
