using System.Collections.Immutable;
using System.Text;
using Jamdeploy.Manifests;
using Jamdeploy.Model;

namespace Jamdeploy.Core.Tests.Invalidation;

/// <summary>Manifests for planner tests, written as <c>path=content</c> lines.</summary>
internal static class SomeManifest
{
    private static int _releases;

    public static Manifest From(params IEnumerable<string> files) =>
        new(ReleaseId.Parse($"r{Interlocked.Increment(ref _releases)}"), DateTimeOffset.UnixEpoch,
            files.Select(Entry).ToImmutableSortedDictionary(f => f.Path, f => f.Entry, StringComparer.Ordinal));

    public static (string Path, ManifestEntry Entry) Entry(string line)
    {
        var equals = line.LastIndexOf('=');
        var (path, content) = equals < 0 ? (line, line) : (line[..equals], line[(equals + 1)..]);
        var bytes = Encoding.UTF8.GetBytes(content);
        return (path, new ManifestEntry(ContentHash.Of(bytes), bytes.Length, "text/html"));
    }
}
