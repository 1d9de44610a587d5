using System.Text.Json;
using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>A fresh bucket on moto for one test, and a way to read what the CLI left in it.</summary>
internal sealed class S3Site : IDisposable
{
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey);
    private readonly MotoServer _moto;

    private S3Site(MotoServer moto, string bucket)
    {
        _moto = moto;
        Bucket = bucket;
        var options = Options(moto.Endpoint);
        Store = new S3ObjectStore(S3ClientFactory.Create(options, credentials: Credentials), options);
    }

    public string Bucket { get; }

    public string Url => $"s3://{Bucket}/site";

    /// <summary>A store on the same bucket and prefix, for assertions.</summary>
    public S3ObjectStore Store { get; }

    public static async Task<S3Site> CreateAsync(MotoServer moto)
    {
        var bucket = "jdcli-" + Guid.NewGuid().ToString("N")[..20];
        using var client = S3ClientFactory.Create(new S3StoreOptions { Location = new S3Location(bucket, ""), EndpointUrl = moto.Endpoint, Region = MotoServer.Region }, credentials: Credentials);
        await client.PutBucketAsync(bucket);
        return new S3Site(moto, bucket);
    }

    /// <summary>The environment of a jamdeploy process talking to moto (or to a proxy in front of it).</summary>
    public Dictionary<string, string> Environment(string? endpoint = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>(_moto.ClientEnvironment)
        {
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["JAMDEPLOY__S3__MAXRETRYATTEMPTS"] = "5",
        };
        if (endpoint is not null) environment["AWS_ENDPOINT_URL"] = endpoint;
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        return environment;
    }

    public async Task<JsonElement?> PointerAsync()
    {
        var stored = await Store.GetAsync(StoreLayout.LiveKey, CancellationToken.None);
        return stored is null ? null : JsonDocument.Parse(stored.Content).RootElement;
    }

    public async Task<List<string>> HistoryAsync() =>
        [.. (await PointerAsync())!.Value.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("release").GetString()!)];

    public async Task<string?> LiveAsync() => (await PointerAsync())?.GetProperty("live").GetString();

    public async Task<List<ObjectInfo>> ListAsync(string prefix)
    {
        var items = new List<ObjectInfo>();
        await foreach (var item in Store.ListAsync(prefix, CancellationToken.None)) items.Add(item);
        return items;
    }

    public S3StoreOptions Options(string endpoint) => new()
    {
        Location = new S3Location(Bucket, "site"),
        EndpointUrl = endpoint,
        Region = MotoServer.Region,
    };

    public static string LiveIdFrom(ProcessResult result) =>
        result.Stdout.Split('\n').Single(l => l.StartsWith("live: ", StringComparison.Ordinal))["live: ".Length..].Split(' ')[0];

    public void Dispose() => Store.Dispose();
}
