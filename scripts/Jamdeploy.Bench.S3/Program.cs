using System.Diagnostics;
using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Bench;
using Jamdeploy.Bench.S3;
using Jamdeploy.Cdn;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Serilog.Core;

// The deploy benchmark on the S3 store against moto on loopback: first deploy, no-op and 1%-change
// redeploys of the synthetic site of scripts/bench.sh, with wall time, HTTP requests by kind, bytes
// sent and peak memory. moto is slower than S3 (one Python process), so the request counts and the
// ratios are the figures that carry over, not the absolute times.
var work = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "jamdeploy-bench-s3");
if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
var site = Path.Combine(work, "site");

Console.WriteLine($"building a synthetic site of {SyntheticSite.FileCount} files in {site} …");
var paths = SyntheticSite.Build(site);
var bytes = paths.Sum(p => new FileInfo(p).Length);
Console.WriteLine($"site: {paths.Count} files, {bytes / 1e6:0.0} MB, {Environment.ProcessorCount} cores");

using var moto = await MotoProcess.StartAsync();
var options = new S3StoreOptions { Location = new S3Location("jamdeploy-bench", "site"), EndpointUrl = moto.Endpoint, Region = "us-east-1" };
var credentials = new BasicAWSCredentials("testing", "testing");
using (var admin = S3ClientFactory.Create(options, credentials: credentials)) await admin.PutBucketAsync(options.Location.Bucket);
var wire = new WireCounter();
using var store = new S3ObjectStore(S3ClientFactory.Create(options, wire, credentials), options);
Console.WriteLine($"store: {store.Location} on moto at {moto.Endpoint} ({options.MaxConcurrentRequests} requests in flight at most)");

async Task<(double Seconds, DeployResult Result, int Requests)> Deploy(string label)
{
    wire.Reset();
    var deployer = new Deployer(store, new CdnNotifier(new NoCdn(), false, Logger.None), new DeployOptions(), TimeProvider.System, Logger.None);
    var stages = new StageClock();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    var result = await deployer.DeployAsync(new DeployRequest(site) { Message = label }, stages, CancellationToken.None);
    var seconds = sw.Elapsed.TotalSeconds;
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    Console.WriteLine($"{label,-22} {seconds * 1000,7:0} ms  {result.Outcome,-9} sent {result.UploadedBlobs,5} blobs  {wire.Total,6} requests ({wire})  {wire.BytesSent / 1e6,7:0.0} MB on the wire");
    Console.WriteLine($"{"",-22} stages: {stages.Finish()}; jamdeploy CPU {cpuSeconds:0.0} s");
    return (seconds, result, wire.Total);
}

var first = await Deploy("first deploy");
var noop = await Deploy("no-op redeploy");
var changed = SyntheticSite.ChangeOnePercent(paths, 1);
var onePercent = await Deploy($"1% changed ({changed} files)");

Console.WriteLine();
Console.WriteLine($"first deploy: {bytes / first.Seconds / 1e6:0.0} MB/s into moto, {paths.Count / first.Seconds:0} files/s");
Console.WriteLine($"no-op redeploy: {noop.Requests} requests for {paths.Count} files (target <= 5); {noop.Seconds / first.Seconds:0.000}x the first deploy's time");
Console.WriteLine($"1% redeploy: {onePercent.Result.UploadedBlobs} blob uploads for {changed} changed files, {onePercent.Requests - onePercent.Result.UploadedBlobs} other requests; {onePercent.Seconds / first.Seconds:0.000}x the first deploy's time");
Console.WriteLine($"peak working set: jamdeploy {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB, moto {moto.PeakMemoryBytes / 1e6:0} MB");
Directory.Delete(work, recursive: true);
