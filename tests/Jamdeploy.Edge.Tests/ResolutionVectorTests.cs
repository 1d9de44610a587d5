using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jamdeploy.Edge.Tests.Support;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Precompression;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Edge.Tests;

/// <summary>
/// The shared resolution vectors (<c>tests/edge-vectors/resolution.json</c>) against <c>jamdeploy serve</c> over a
/// socket. The CloudFront edge (src/Jamdeploy.CloudFrontEdge/tests/vectors.test.js) runs the same cases, so the
/// two edges cannot drift apart.
/// </summary>
[RunsLong(20)]
public sealed class ResolutionVectorTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new("edge-vectors");
    private LocalDirectoryStore _store = null!;

    public static TheoryData<string> Cases => [.. ResolutionVectors.Instance.Cases.Select(c => c.Name)];

    public async Task InitializeAsync()
    {
        _store = new LocalDirectoryStore(_directory.Combine("store"));
        var site = new TestSite(_store);
        foreach (var release in ResolutionVectors.Instance.Releases)
        {
            await StoreReleaseAsync(release);
            await site.FlipAsync(ReleaseId.Parse(release.Id), FlipAction.Deploy);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Cases))]
    public async Task Serve_AnswersAsTheVectorSays(string name)
    {
        var vector = ResolutionVectors.Instance.Cases.Single(c => c.Name == name);
        await using var edge = await RunningEdge.StartAsync(_store, OptionsFor(vector));

        var extra = string.Concat((vector.RequestHeaders ?? []).Select(h => $"{h.Key}: {h.Value}\r\n"));
        var response = await RawHttp.SendAsync(edge.Port, vector.Method ?? "GET", vector.Request, extra, host: vector.Host);

        var where = $"{vector.Name} ({vector.Method ?? "GET"} {vector.Host}{vector.Request})";
        Assert.True(vector.Status == response.Status, $"{where}: status {response.Status}, expected {vector.Status}");
        var headers = HeadersOf(response.Head);
        foreach (var (header, expected) in vector.Headers ?? [])
            Assert.True(expected == headers.GetValueOrDefault(header), $"{where}: {header} is '{headers.GetValueOrDefault(header)}', expected '{expected}'");
        if (vector.Method == "HEAD")
        {
            Assert.True(vector.Serves is null, $"{where}: a HEAD case states its headers, not a body");
            Assert.Equal("", response.Body);
            return;
        }
        if (ResolutionVectors.Instance.Served(vector) is not { } served) return;
        Assert.True(vector.Vary == headers.GetValueOrDefault("Vary"), $"{where}: Vary is '{headers.GetValueOrDefault("Vary")}', expected '{vector.Vary}'");
        Assert.True(vector.Encoding == headers.GetValueOrDefault("Content-Encoding"),
            $"{where}: Content-Encoding is '{headers.GetValueOrDefault("Content-Encoding")}', expected '{vector.Encoding}'");
        // An encoded body is the file once decoded; its length and tag are the encoded bytes'.
        var bytes = response.BodyBytes;
        Assert.Equal(served.File.Text, Encoding.UTF8.GetString(ContentCodings.Decode(bytes, vector.Encoding)));
        Assert.Equal(bytes.Length.ToString(), headers.GetValueOrDefault("Content-Length"));
        Assert.Equal(served.File.ContentType, headers.GetValueOrDefault("Content-Type"));
        Assert.Equal(served.Release.Id, headers.GetValueOrDefault(ResolutionVectors.Instance.ReleaseHeader));
        Assert.Equal(vector.Status == 200 ? $"\"{ContentHash.Of(bytes).Hex}\"" : null, headers.GetValueOrDefault("ETag"));
    }

    [Fact]
    public void Vectors_CoverEveryKindOfAnswer()
    {
        var statuses = ResolutionVectors.Instance.Cases.Select(c => c.Status).ToHashSet();
        Assert.Superset(new HashSet<int> { 200, 301, 400, 404, 414 }, statuses);
        Assert.Contains(ResolutionVectors.Instance.Cases, c => c.Options is not null);
    }

    private static ServeOptions OptionsFor(VectorCase vector)
    {
        var options = new ServeOptions();
        foreach (var (name, value) in vector.Options ?? [])
        {
            options = name switch
            {
                "trailingSlash" => options with { TrailingSlash = Enum.Parse<TrailingSlashPolicy>(value, ignoreCase: true) },
                _ => throw new InvalidOperationException($"the vectors use an option serve does not know: {name}"),
            };
        }
        return options;
    }

    /// <summary>
    /// Stores a vector release as a deploy does (blobs, then the manifest), with its entries' headers and their
    /// precompressed forms (made by the compressor a deploy uses) and its site rules.
    /// </summary>
    private async Task StoreReleaseAsync(VectorRelease release)
    {
        var entries = ImmutableSortedDictionary.CreateBuilder<string, ManifestEntry>(StringComparer.Ordinal);
        var compressor = new Compressor(quality: 11);
        foreach (var (path, file) in release.Files)
        {
            var text = Encoding.UTF8.GetBytes(file.Text);
            var content = ObjectContent.FromBytes(text, file.ContentType);
            await _store.PutAsync(StoreLayout.Blob(content.Sha256), content, WriteCondition.IfAbsent, CancellationToken.None);
            var encodings = ImmutableSortedDictionary.CreateBuilder<string, EncodedBlob>(StringComparer.Ordinal);
            foreach (var coding in file.Encodings ?? [])
            {
                var encoded = ObjectContent.FromBytes(compressor.Compress(text, coding), "application/octet-stream");
                await _store.PutAsync(StoreLayout.Blob(encoded.Sha256), encoded, WriteCondition.IfAbsent, CancellationToken.None);
                encodings[coding] = new EncodedBlob(encoded.Sha256, encoded.Length);
            }
            entries[path] = new ManifestEntry(content.Sha256, content.Length, file.ContentType)
            {
                Headers = file.Headers?.ToImmutableSortedDictionary(StringComparer.Ordinal),
                Encodings = file.Encodings is null ? null : encodings.ToImmutable(),
            };
        }
        var id = ReleaseId.Parse(release.Id);
        var manifest = new Manifest(id, DateTimeOffset.UtcNow, entries.ToImmutable()) { Rules = release.Rules };
        await new ReleaseStore(_store).WriteManifestAsync(manifest, CancellationToken.None);
    }

    private static Dictionary<string, string> HeadersOf(string head)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }
        return headers;
    }
}

public sealed record VectorFile(string Text, string ContentType, Dictionary<string, string>? Headers)
{
    /// <summary>The content-codings the harness stores the file in besides its own bytes.</summary>
    public IReadOnlyList<string>? Encodings { get; init; }
}

public sealed record VectorRelease(string Name, string Id, Dictionary<string, VectorFile> Files)
{
    /// <summary>The release's site rules, in the manifest's form.</summary>
    public SiteRules? Rules { get; init; }
}

public sealed record VectorCase(string Name, string Request, int Status, JsonElement? Serves, Dictionary<string, string?>? Headers, Dictionary<string, string>? Options, string? Host = null)
{
    /// <summary>GET unless the case says HEAD.</summary>
    public string? Method { get; init; }

    /// <summary>Request headers sent as given (Accept-Encoding).</summary>
    public Dictionary<string, string>? RequestHeaders { get; init; }

    /// <summary>The coding the served body is in (null: the file's own bytes, no Content-Encoding).</summary>
    public string? Encoding { get; init; }

    /// <summary>The Vary header of a served body (null: none).</summary>
    public string? Vary { get; init; }
}

/// <summary>The vector file, read once from the repository.</summary>
public sealed record ResolutionVectors(string ReleaseHeader, IReadOnlyList<VectorRelease> Releases, IReadOnlyList<VectorCase> Cases)
{
    public static ResolutionVectors Instance { get; } = Load();

    public VectorRelease Live => Releases[^1];

    /// <summary>The file a case's body must be (<c>serves</c> is a live path, or a release name and path).</summary>
    public (VectorRelease Release, VectorFile File)? Served(VectorCase vector)
    {
        if (vector.Serves is not { } serves) return null;
        var (release, path) = serves.ValueKind == JsonValueKind.String
            ? (Live, serves.GetString()!)
            : (Releases.Single(r => r.Name == serves.GetProperty("release").GetString()), serves.GetProperty("path").GetString()!);
        return (release, release.Files[path]);
    }

    private static ResolutionVectors Load()
    {
        var path = Path.Combine(JamdeployProcess.RepositoryRoot, "tests", "edge-vectors", "resolution.json");
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<ResolutionVectors>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidDataException($"{path} is empty");
    }
}
