using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Jamdeploy.TestSupport;

/// <summary>
/// A real <c>moto_server</c> (S3 + CloudFront emulator) on loopback, one per test run: <c>scripts/test.sh</c>
/// starts it and exports its URL in <see cref="UrlVariable"/>; without that variable (one test run from an
/// IDE) the first fixture starts one for this test process and it stops when the process exits. Starting a
/// moto costs seconds of CPU, so no test class starts its own. Tests give each case its own bucket (or
/// distribution), never resetting the shared emulator.
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    public const string AccessKey = "testing";
    public const string SecretKey = "testing";
    public const string Region = "us-east-1";

    /// <summary>The URL of a moto already running for this test run (set by scripts/test.sh).</summary>
    public const string UrlVariable = "JAMDEPLOY_TEST_MOTO_URL";

    private static readonly Lazy<Task<string>> Shared = new(ResolveAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static Process? _owned;

    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync() => Endpoint = await Shared.Value;

    /// <summary>Environment for a child process (the CLI) that must talk to this emulator.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_REGION"] = Region,
        ["AWS_ENDPOINT_URL"] = Endpoint,
    };

    // The shared emulator outlives every fixture; it goes with the run (test.sh) or the process.
    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<string> ResolveAsync()
    {
        var given = Environment.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            var url = given.TrimEnd('/');
            await WaitUntilAnsweringAsync(url, null);
            return url;
        }
        return await StartOwnAsync();
    }

    private static async Task<string> StartOwnAsync()
    {
        var port = FreePort();
        // A test host can end without running exit handlers (the runner kills it), so moto goes with a
        // watchdog that stops it once this process is gone, instead of living on as an orphan.
        var launcher = Path.Combine(JamdeployProcess.RepositoryRoot, "scripts", "moto-server.py");
        var start = new ProcessStartInfo("sh", ["-c", Watchdog, "moto-watchdog", Environment.ProcessId.ToString(), port.ToString(), launcher])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _owned = process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        var url = $"http://127.0.0.1:{port}";
        await WaitUntilAnsweringAsync(url, process);
        return url;
    }

    private const string Watchdog = """
        python3 "$3" -H 127.0.0.1 -p "$2" >/dev/null 2>&1 &
        moto=$!
        while kill -0 "$1" 2>/dev/null && kill -0 "$moto" 2>/dev/null; do sleep 1; done
        kill -9 "$moto" 2>/dev/null
        """;

    private static async Task WaitUntilAnsweringAsync(string url, Process? process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Generous: on a machine with every core busy a Python server can take long to come up.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process is { HasExited: true }) throw new InvalidOperationException($"moto_server exited with {process.ExitCode}");
            try
            {
                using var response = await http.GetAsync($"{url}/moto-api/");
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"moto_server at {url} did not answer within 120 s");
    }

    private static void Stop()
    {
        if (_owned is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
