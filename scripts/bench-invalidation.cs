#:project ../src/Jamdeploy.Core/Jamdeploy.Core.csproj
#:property TreatWarningsAsErrors=false
// Invalidation planning cost: how long the diff + aliases + wildcard reduction takes for large sites,
// and how many CDN paths it sends. Run: scripts/bench-invalidation.sh (prints figures and ratios).
using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using Jamdeploy.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;

static Manifest Site(int files, Func<int, string> content)
{
    var entries = Enumerable.Range(0, files).ToImmutableSortedDictionary(
        i => i % 10 == 0 ? $"/section{i % 50}/page{i}/index.html" : $"/section{i % 50}/assets/file{i}.css",
        i => new ManifestEntry(ContentHash.Of(Encoding.UTF8.GetBytes(content(i))), 1, "text/css"),
        StringComparer.Ordinal);
    return new Manifest(ReleaseId.Parse($"bench-{files}-{Guid.NewGuid():N}"[..30]), DateTimeOffset.UnixEpoch, entries);
}

Console.WriteLine($"{"files",9} {"changed",8} {"maxPaths",9} {"paths",6} {"wildcards",9} {"ms",8} {"us/file",8}  reason");
foreach (var files in new[] { 1_000, 10_000, 100_000 })
{
    var before = Site(files, i => $"v1-{i}");
    foreach (var share in new[] { 0.001, 0.01, 0.1, 1.0 })
    {
        var step = (int)Math.Round(1 / share);
        var after = Site(files, i => i % step == 0 ? $"v2-{i}" : $"v1-{i}");
        foreach (var maxPaths in new[] { 100, 100_000 })
        {
            InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = maxPaths }); // warm-up
            var watch = Stopwatch.StartNew();
            var plan = InvalidationPlanner.Plan(before, after, new InvalidationOptions { MaxPaths = maxPaths });
            watch.Stop();
            Console.WriteLine($"{files,9} {plan.ChangedFiles.Count,8} {maxPaths,9} {plan.Paths.Count,6} {plan.WildcardCount,9} {watch.Elapsed.TotalMilliseconds,8:0.0} {watch.Elapsed.TotalMicroseconds / files,8:0.00}  {plan.Reason}");
        }
    }
}
