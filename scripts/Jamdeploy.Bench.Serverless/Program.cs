using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
using Jamdeploy.Aws.S3;
using Jamdeploy.Aws.Signing;
using Jamdeploy.Bench;
using Jamdeploy.Bench.S3;
using Jamdeploy.Bench.Serverless;
using Jamdeploy.Cli;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.TestSupport.Cdn;

// Serverless CloudFront vs serve-origin + invalidation, for a 1 % change of the 10,000-file synthetic site of
// scripts/bench.sh: deploys run through the CLI's own entry point (JamdeployCli.RunAsync) with a jamdeploy.json
// per mode, against moto (S3 and CloudFront) and the tests' fake KeyValueStore on loopback. Each run changes
// 1 % of the files and deploys that change in both modes (alternating which goes first), so both see the same
// change on the same machine load. moto is slower than AWS (one Python process), so the request counts and the
// ratios are the figures that carry over, not the absolute times.
var runs = 5;
string? workArgument = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--runs" && i + 1 < args.Length && int.TryParse(args[++i], out var n) && n > 0) runs = n;
    else if (args[i].StartsWith('-')) { Console.Error.WriteLine("usage: scripts/bench-serverless.sh [--runs N] [work-dir]"); return 2; }
    else workArgument = args[i];
}
var work = Path.GetFullPath(workArgument ?? Path.Combine(Path.GetTempPath(), "jamdeploy-bench-serverless"));
if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
var site = Path.Combine(work, "site");

// One set of credentials for everything: the fake KeyValueStore verifies SigV4A against its own, moto takes any.
var credentials = FakeKeyValueStore.TestCredentials;
Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", credentials.AccessKeyId);
Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", credentials.SecretAccessKey);
foreach (var name in new[] { "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDFRONT", "AWS_ENDPOINT_URL_S3" })
    Environment.SetEnvironmentVariable(name, null);

Console.WriteLine($"building a synthetic site of {SyntheticSite.FileCount} files in {site} …");
var paths = SyntheticSite.Build(site);
Console.WriteLine($"site: {paths.Count} files, {paths.Sum(p => new FileInfo(p).Length) / 1e6:0.0} MB, {Environment.ProcessorCount} cores; {runs} runs of a 1% change");

using var moto = await MotoProcess.StartAsync();
await using var kvs = await FakeKeyValueStore.StartAsync();
const string bucket = "jamdeploy-bench";
using (var admin = S3ClientFactory.Create(new S3StoreOptions { Location = new S3Location(bucket, ""), EndpointUrl = moto.Endpoint, Region = "us-east-1" },
    credentials: new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey)))
    await admin.PutBucketAsync(bucket);
string distribution;
// moto routes a request by its credential scope, so it is signed like the product's CloudFront calls.
using (var cloudFront = new HttpClient(new SigV4SigningHandler(new AwsDefaultCredentialsSource(), "us-east-1", "cloudfront", TimeProvider.System)
{
    InnerHandler = new SocketsHttpHandler(),
}))
    distribution = await MotoDistributions.CreateAsync(cloudFront, moto.Endpoint, "jamdeploy benchmark", CancellationToken.None);
Console.WriteLine($"moto (S3 + CloudFront) at {moto.Endpoint}, distribution {distribution}; fake KeyValueStore at {kvs.Endpoint}");

var motoPort = new Uri(moto.Endpoint).Port;
var kvsPort = new Uri(kvs.Endpoint).Port;
using var tally = new HttpTally(request =>
{
    if (request.RequestUri is not { } uri) return null;
    var method = request.Method.Method;
    var path = uri.AbsolutePath;
    if (uri.Port == kvsPort)
    {
        // /key-value-stores/{arn}[/keys/{key}]
        var segments = path.Split('/');
        return "KVS " + (segments.Length == 3 && method == "GET" ? "DescribeKeyValueStore"
            : segments.Length == 5 && method == "GET" ? "GetKey"
            : segments.Length == 5 && method == "PUT" ? "PutKey"
            : method);
    }
    if (uri.Port != motoPort) return null;
    if (path.StartsWith("/2020-05-31/", StringComparison.Ordinal))
        return "CloudFront " + (method == "POST" && path.EndsWith("/invalidation", StringComparison.Ordinal) ? "CreateInvalidation" : method);
    var query = uri.Query;
    return "S3 " + (query.Contains("list-type", StringComparison.Ordinal) ? "LIST"
        : query.Contains("delete", StringComparison.Ordinal) ? "DELETE (batch)"
        : query.Contains("uploadId", StringComparison.Ordinal) || query.Contains("uploads", StringComparison.Ordinal) ? method + " (multipart)"
        : method);
});

var s3 = new { EndpointUrl = moto.Endpoint, Region = "us-east-1" };
var origin = Mode.Create(work, "serve-origin + CloudFront invalidation", "origin", new
{
    S3 = s3,
    Cdn = new { Provider = "cloudfront", DistributionId = distribution, Endpoint = moto.Endpoint },
});
const string pointerKey = "bench:live";
var serverless = Mode.Create(work, "serverless (KeyValueStore)", "serverless", new
{
    S3 = s3,
    Cdn = new { Provider = "none", KeyValueStore = new { kvs.Arn, Endpoint = kvs.Endpoint, Key = pointerKey } },
});
Mode[] modes = [origin, serverless];

async Task<Sample> Deploy(Mode mode, string label)
{
    Directory.SetCurrentDirectory(mode.Directory);
    tally.Reset();
    using var stdout = new StringWriter();
    using var stderr = new StringWriter();
    var clock = Stopwatch.StartNew();
    var exit = await JamdeployCli.RunAsync(["deploy", site, "--store", $"s3://{bucket}/{mode.Prefix}", "--message", label, "--json"], new CliHost(stdout, stderr, Directory.GetCurrentDirectory(), CliHost.ProcessVariables()));
    var seconds = clock.Elapsed.TotalSeconds;
    var requests = tally.Snapshot();
    if (exit != 0) throw new InvalidOperationException($"{mode.Name}: deploy exited {exit}: {stderr}{stdout}");
    var result = JsonSerializer.Deserialize<DeployJson>(stdout.ToString(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    Console.WriteLine($"  {label,-16} {mode.Name,-40} {seconds * 1000,8:0} ms  {result.UploadedBlobs,5} blobs  {requests.Values.Sum(),6} requests ({string.Join(", ", requests.Select(p => $"{p.Key} {p.Value}"))})");
    return new Sample(seconds, requests, result);
}

foreach (var mode in modes) await Deploy(mode, "first deploy");
var samples = modes.ToDictionary(m => m, _ => new List<Sample>());
var changedFiles = 0;
for (var run = 1; run <= runs; run++)
{
    changedFiles = SyntheticSite.ChangeOnePercent(paths, run);
    foreach (var mode in run % 2 == 1 ? modes : modes.Reverse()) samples[mode].Add(await Deploy(mode, $"1% run {run}"));
}

Console.WriteLine();
Console.WriteLine($"1% change ({changedFiles} of {paths.Count} files), {runs} runs; `uptime`: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"{"",-30} {origin.Name,40} {serverless.Name,28} {"ratio",7}");
void Row(string label, Func<List<Sample>, double> figure, string unit = "")
{
    var a = figure(samples[origin]);
    var b = figure(samples[serverless]);
    Console.WriteLine($"{label,-30} {a,37:0} {unit,-2} {b,25:0} {unit,-2} {(a == 0 ? "-" : (b / a).ToString("0.00")),7}");
}
Row("wall time, best", s => s.Min(x => x.Seconds) * 1000, "ms");
Row("wall time, median", s => Median(s.Select(x => x.Seconds * 1000)), "ms");
Row("requests (median)", s => Median(s.Select(x => (double)x.Requests.Values.Sum())));
foreach (var kind in samples.Values.SelectMany(s => s).SelectMany(s => s.Requests.Keys).Distinct().Order(StringComparer.Ordinal))
    Row($"  {kind}", s => Median(s.Select(x => (double)x.Requests.GetValueOrDefault(kind))));
Row("blobs uploaded (median)", s => Median(s.Select(x => (double)x.Result.UploadedBlobs)));
Row("invalidated paths (median)", s => Median(s.Select(x => (double)x.Result.InvalidatedPaths)));
foreach (var mode in modes)
{
    var distinct = samples[mode].Select(s => string.Join(",", s.Requests.Select(p => $"{p.Key}={p.Value}"))).Distinct().Count();
    if (distinct > 1) Console.WriteLine($"note: {mode.Name}: the requests differed between runs ({distinct} distinct tallies): LIST pages grow with the blobs (1,000 keys a page), retries add requests");
}
var live = samples[serverless][^1].Result.Release;
Console.WriteLine($"KeyValueStore '{pointerKey}' = {kvs.Value(pointerKey)}; serverless live release {live}: {(kvs.Value(pointerKey) == live ? "equal" : "DIFFERENT")}");

Directory.SetCurrentDirectory(Path.GetTempPath());
Directory.Delete(work, recursive: true);
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

/// <summary>One way of running the site: a store prefix and the jamdeploy.json its deploys read.</summary>
internal sealed record Mode(string Name, string Prefix, string Directory)
{
    public static Mode Create(string work, string name, string prefix, object settings)
    {
        var directory = Path.Combine(work, prefix);
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "jamdeploy.json"), JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));
        return new Mode(name, prefix, directory);
    }
}

/// <summary>The fields of <c>jamdeploy deploy --json</c> the benchmark reads.</summary>
internal sealed record DeployJson(string Release, int UploadedBlobs, int InvalidatedPaths);

internal sealed record Sample(double Seconds, IReadOnlyDictionary<string, int> Requests, DeployJson Result);
