#:project ../src/Jamdeploy.Core/Jamdeploy.Core.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
// What reading a release manifest costs jamdeploy (deploy plans against the live one, serve resolves through it):
// for each local store given, its newest manifest's bytes and the time ReleaseStore takes to read and parse it, first
// call (what a fresh CLI process pays, JIT included) and median of later calls. Run: scripts/bench-manifest.sh.
using System.Diagnostics;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Storage;

const int Runs = 20;
Console.WriteLine($"{"store",-40} {"files",6} {"bytes",10} {"first ms",9} {"median ms",9}");
foreach (var root in args)
{
    var file = Directory.GetFiles(Path.Combine(root, "releases"), "*.json").OrderBy(f => f, StringComparer.Ordinal).Last();
    var id = ReleaseId.Parse(Path.GetFileNameWithoutExtension(file));
    var releases = new ReleaseStore(new LocalDirectoryStore(root));
    var times = new List<double>();
    var files = 0;
    for (var run = 0; run <= Runs; run++)
    {
        var watch = Stopwatch.StartNew();
        var manifest = (await releases.ReadManifestAsync(id, CancellationToken.None)).OrThrow()!;
        times.Add(watch.Elapsed.TotalMilliseconds);
        files = manifest.Files.Count;
    }
    var later = times.Skip(1).Order().ToList();
    Console.WriteLine($"{Path.GetFileName(root.TrimEnd('/')),-40} {files,6} {new FileInfo(file).Length,10} {times[0],9:0.0} {later[later.Count / 2],9:0.0}");
}
