using System.Diagnostics;
using Jamdeploy.Bench;
using Jamdeploy.Cdn;
using Jamdeploy.Deploying;
using Jamdeploy.Hashing;
using Jamdeploy.Invalidation;
using Jamdeploy.Scanning;
using Jamdeploy.Storage;
using Serilog.Core;

// The deploy benchmark on the local store: hashing throughput, first deploy, no-op and 1%-change
// redeploys of a 10,000-file site, with wall time and store operations by kind.
var work = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "jamdeploy-bench");
if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
var site = Path.Combine(work, "site");
var storeDir = Path.Combine(work, "store");

Console.WriteLine($"building a synthetic site of {SyntheticSite.FileCount} files in {site} …");
var paths = SyntheticSite.Build(site);
var bytes = paths.Sum(p => new FileInfo(p).Length);
// Warm means cached, not still being written back: without this the kernel flushes the fresh 200 MB to
// disk during the first measurements and takes CPU from them.
if (!OperatingSystem.IsWindows()) System.Diagnostics.Process.Start("sync")?.WaitForExit();
Console.WriteLine($"site: {paths.Count} files, {bytes / 1e6:0.0} MB, {Environment.ProcessorCount} cores");

// Repeated runs, best and median: a shared 2-core machine moves single runs by 20% or more. The no-op
// redeploy is measured the same way as the hashing it is compared with. The first runs are left out:
// they fill the page cache and run code the JIT has not optimised yet (about 40% slower here).
const int Runs = 10, WarmUps = 3;
var scanned = SiteScanner.Scan(site, IgnoreRules.None, CancellationToken.None);
for (var i = 0; i < WarmUps; i++)
{
    SiteScanner.Scan(site, IgnoreRules.None, CancellationToken.None);
    FileHasher.Hash(scanned, null, CancellationToken.None);
}
var scanTimes = new List<double>();
var hashTimes = new List<double>();
for (var i = 0; i < Runs; i++)
{
    var sw = Stopwatch.StartNew();
    SiteScanner.Scan(site, IgnoreRules.None, CancellationToken.None);
    scanTimes.Add(sw.Elapsed.TotalSeconds);
    sw.Restart();
    FileHasher.Hash(scanned, null, CancellationToken.None);
    hashTimes.Add(sw.Elapsed.TotalSeconds);
}
var hashSeconds = hashTimes.Min();
Console.WriteLine($"scan alone (warm): best {scanTimes.Min() * 1000:0} ms, median {Median(scanTimes) * 1000:0} ms of {Runs}");
Console.WriteLine($"hashing alone (warm): best {hashSeconds * 1000:0} ms = {bytes / hashSeconds / 1e9:0.00} GB/s (target >= 2), median {Median(hashTimes) * 1000:0} ms of {Runs}");

async Task<(double Seconds, DeployResult Result, StoreOperationCounts Ops)> Deploy(string label, bool showStages = true)
{
    var store = new CountingStore(new LocalDirectoryStore(storeDir));
    var deployer = new Deployer(store, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None);
    var stages = new StageClock();
    var sw = Stopwatch.StartNew();
    var result = await deployer.DeployAsync(new DeployRequest(site) { Message = label }, stages, CancellationToken.None);
    var seconds = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"{label,-22} {seconds * 1000,7:0} ms  {result.Outcome,-9} sent {result.UploadedBlobs,5} blobs {result.BytesSent / 1e6,7:0.0} MB  store: {store.Counts}");
    if (showStages) Console.WriteLine($"{"",-22} stages: {stages.Summary(sw.Elapsed)}");
    return (seconds, result, store.Counts);
}

await Deploy("first deploy");
var noops = new List<(double Seconds, DeployResult Result, StoreOperationCounts Ops)>();
for (var i = 0; i < Runs; i++) noops.Add(await Deploy($"no-op redeploy {i + 1}/{Runs}", showStages: i == Runs - 1));
var noop = noops.MinBy(n => n.Seconds);
var changed = SyntheticSite.ChangeOnePercent(paths, 1);
var onePercent = await Deploy($"1% changed ({changed} files)");

Console.WriteLine();
Console.WriteLine($"no-op redeploy: best {noop.Seconds * 1000:0} ms, median {Median(noops.Select(n => n.Seconds).ToList()) * 1000:0} ms of {Runs}");
Console.WriteLine($"no-op redeploy / hashing time (best / best): {noop.Seconds / hashSeconds:0.00}x (target <= 1.3x); store operations: {noop.Ops.Total} (target O(1))");
Console.WriteLine($"1% redeploy sent {onePercent.Result.UploadedBlobs} blobs for {changed} changed files; store operations: {onePercent.Ops}");
Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB");
Directory.Delete(work, recursive: true);

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

/// <summary>When each pipeline stage began, from the deployer's progress events.</summary>
internal sealed class StageClock : IProgress<DeployProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(DeployStage Stage, TimeSpan At)> _starts = [];

    public void Report(DeployProgress value)
    {
        lock (_starts)
            if (_starts.Count == 0 || _starts[^1].Stage != value.Stage && !_starts.Any(s => s.Stage == value.Stage))
                _starts.Add((value.Stage, _clock.Elapsed));
    }

    public string Summary(TimeSpan end) =>
        string.Join(", ", _starts.Select((s, i) => $"{s.Stage.ToString().ToLowerInvariant()} {((i + 1 < _starts.Count ? _starts[i + 1].At : end) - s.At).TotalMilliseconds:0} ms"));
}
