using Jamdeploy.Cdn;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// The edge pointer as one key of a CloudFront KeyValueStore, which the viewer-request function reads. The
/// store's ETag is the version: DescribeKeyValueStore gives it, GetKey the value (it carries no ETag, so the
/// version is read first: a write after both is refused if anything changed in between), PutKey with If-Match
/// writes. Three requests per flip when the key has to move; two after a promote or rollback, which reads the
/// version before its flip (EdgePointerSync.AfterOwnFlipAsync).
/// </summary>
public sealed class KeyValueStoreEdgePointer(KeyValueStoreClient client, string key) : IEdgePointer
{
    public string Name => $"CloudFront KeyValueStore {client.Arn} key {key}";

    public Task CheckReadyAsync(CancellationToken cancellationToken) => client.CheckCredentialsAsync(cancellationToken);

    public async Task<EdgePointerState> ReadAsync(CancellationToken cancellationToken)
    {
        var version = await client.DescribeAsync(cancellationToken).ConfigureAwait(false);
        var value = await client.GetKeyAsync(key, cancellationToken).ConfigureAwait(false);
        return new EdgePointerState(version, value);
    }

    public Task<string> ReadVersionAsync(CancellationToken cancellationToken) => client.DescribeAsync(cancellationToken);

    public async Task<bool> TryWriteAsync(string value, string expectedVersion, CancellationToken cancellationToken) =>
        await client.PutKeyAsync(key, value, expectedVersion, cancellationToken).ConfigureAwait(false) is not null;
}
