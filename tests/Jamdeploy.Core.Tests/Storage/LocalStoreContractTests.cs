using Jamdeploy.Model;
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

/// <summary>
/// Put-if-absent must be atomic on the local store too: .NET's File.Move without overwrite checks and then
/// renames, so two writers could both "win", the second replacing the first's object.
/// </summary>
public sealed class LocalStorePutIfAbsentTests : IDisposable
{
    private readonly TempDirectory _root = new("local-put-if-absent");

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task PutIfAbsent_ManyRoundsOfRacingWriters_ExactlyOneWinsEachAndItsContentStays()
    {
        const int rounds = 40, writers = 8;
        var store = new LocalDirectoryStore(_root.Combine("store"));
        for (var round = 0; round < rounds; round++)
        {
            var key = StoreLayout.Release(ReleaseId.Parse($"r{round}"));
            using var start = new Barrier(writers);
            var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
            {
                start.SignalAndWait();
                return (Writer: i, Result: await store.PutAsync(key, ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes($"writer {i}"), "application/json"), WriteCondition.IfAbsent, CancellationToken.None));
            })));

            var winner = Assert.Single(results, r => r.Result.Written);
            Assert.Equal($"writer {winner.Writer}", System.Text.Encoding.UTF8.GetString((await store.GetAsync(key, CancellationToken.None))!.Content));
        }
    }
}

/// <summary>A deploy's planner lists blobs while a cleanup deletes them: the listing must not fail.</summary>
public sealed class LocalStoreListWhileDeletingTests : IDisposable
{
    private readonly TempDirectory _root = new("local-list-delete");

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task List_WhileAnotherWriterDeletesTheObjects_ListsWhatIsLeftWithoutFailing()
    {
        var store = new LocalDirectoryStore(_root.Combine("store"));
        for (var round = 0; round < 5; round++)
        {
            var keys = new List<string>();
            for (var i = 0; i < 1000; i++)
            {
                var content = ObjectContent.FromBytes(System.Text.Encoding.UTF8.GetBytes($"blob {round} {i}"), "text/plain");
                keys.Add(StoreLayout.Blob(content.Sha256));
                await store.PutAsync(keys[^1], content, WriteCondition.IfAbsent, CancellationToken.None);
            }

            var deleting = Task.Run(async () =>
            {
                foreach (var key in keys) await store.DeleteAsync([key], CancellationToken.None);
            });
            while (!deleting.IsCompleted)
                await foreach (var _ in store.ListAsync(StoreLayout.BlobsPrefix, CancellationToken.None)) { }
            await deleting;
        }
    }
}
