using System.Diagnostics;
using System.Text;

namespace Jamdeploy.TestSupport.Cdn;

/// <summary>
/// The emulated CloudFront distribution (<c>src/Jamdeploy.CloudFrontEdge/tests/emulator.js</c>) as a node child
/// process: the real viewer function (its KVS read from the fake's unsigned test door), a cache keyed by the
/// rewritten URI, and the real Lambda@Edge handlers against S3 on a miss. It has no invalidation at all.
/// </summary>
public sealed class CloudFrontEmulatorProcess : IAsyncDisposable
{
    private static readonly SemaphoreSlim Install = new(1, 1);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private CloudFrontEmulatorProcess(Process process) => _process = process;

    public string Url { get; private set; } = "";

    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }

    public static string EdgeDirectory => Path.Combine(JamdeployProcess.RepositoryRoot, "src", "Jamdeploy.CloudFrontEdge");

    /// <summary>Starts the emulator and waits for its <c>listening on</c> line.</summary>
    public static async Task<CloudFrontEmulatorProcess> StartAsync(string kvsUrl, string s3Endpoint, string bucket, string prefix,
        string pointerKey, int assetFallbackReleases, CancellationToken cancellationToken)
    {
        await EnsureDependenciesAsync(cancellationToken);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = EdgeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "tests/emulator.js", "--kvs-url", kvsUrl, "--s3-endpoint", s3Endpoint, "--bucket", bucket, "--prefix", prefix,
            "--pointer-key", pointerKey, "--asset-fallback-releases", assetFallbackReleases.ToString(),
        }) start.ArgumentList.Add(arg);
        // moto accepts any credentials; these keep the emulator away from a developer's real ones.
        start.Environment["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey;
        start.Environment["AWS_REGION"] = MotoServer.Region;

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var emulator = new CloudFrontEmulatorProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening on ", StringComparison.Ordinal) == true) listening.TrySetResult(e.Data["listening on ".Length..]);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (emulator._gate) emulator._stderr.AppendLine(e.Data); };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the emulator exited ({process.ExitCode}) before listening:\n{emulator.Stderr}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            emulator.Url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return emulator;
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary><c>scripts/test.sh</c> runs <c>npm ci</c> first; a test run on its own installs from the lockfile once.</summary>
    private static async Task EnsureDependenciesAsync(CancellationToken cancellationToken)
    {
        await Install.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(Path.Combine(EdgeDirectory, "node_modules", "@aws-sdk", "client-s3"))) return;
            var start = new ProcessStartInfo("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"])
            {
                WorkingDirectory = EdgeDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm did not start");
            var stdout = npm.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = npm.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            try
            {
                await npm.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                npm.Kill(entireProcessTree: true);
                throw new TimeoutException($"`npm ci` in {EdgeDirectory} did not finish within 5 minutes");
            }
            if (npm.ExitCode != 0)
                throw new InvalidOperationException($"`npm ci --prefer-offline` in {EdgeDirectory} failed ({npm.ExitCode}); run it by hand:\n{await stdout}\n{await stderr}");
        }
        finally
        {
            Install.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed: nothing more to wait for.
        }
        _process.Dispose();
    }
}
