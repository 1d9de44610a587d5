using System.Diagnostics;
using System.Text;

namespace Jamdeploy.TestSupport;

/// <summary>The finished run of a <c>jamdeploy</c> process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real <c>jamdeploy</c> binary (the CLI project's build output) as a child process, so exit
/// codes, stdout and stderr are tested as a user and a CI job see them.
/// </summary>
public sealed class JamdeployProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private JamdeployProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }

    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }

    /// <summary>The CLI's build output, found from the repository root (the folder with Jamstack.sln).</summary>
    public static string CliDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            var dll = Path.Combine(RepositoryRoot, "src", "Jamdeploy.Cli", "bin", configuration, "net10.0", "jamdeploy.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first: {dll} is missing");
        }
    }

    /// <summary>
    /// The tool as users install it, when the run has one (scripts/test.sh packs and installs it while the other test projects run,
    /// and the CLI tests wait for it: on linux-x64 the Native AOT executable): processes are then what users run, and start without a JIT. Without
    /// it (a test project run alone), the CLI's build output.
    /// </summary>
    public static string? InstalledTool =>
        Environment.GetEnvironmentVariable("JAMDEPLOY_TEST_TOOL") is { Length: > 0 } tool && File.Exists(tool) ? tool : null;

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Jamstack.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("Jamstack.sln not found above the test binaries");
        }
    }

    /// <summary>Starts jamdeploy; <paramref name="runAsUid"/> drops privileges with setpriv (for tests run as root).</summary>
    public static JamdeployProcess Start(string workingDirectory, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, int? runAsUid = null, string? dll = null)
    {
        // Through env, which gives the child the default SIGINT disposition and then becomes it (same pid): a
        // test runner started in the background inherits SIGINT ignored, and so would jamdeploy, so the Ctrl+C
        // test would send a signal nobody hears.
        var start = new ProcessStartInfo
        {
            FileName = "env",
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        if (runAsUid is { } uid)
        {
            foreach (var a in new[] { "setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups" }) start.ArgumentList.Add(a);
        }
        if (dll is null && InstalledTool is { } tool)
        {
            start.ArgumentList.Add(tool);
        }
        else
        {
            start.ArgumentList.Add("dotnet");
            start.ArgumentList.Add(dll ?? CliDll);
        }
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // A clean, CI-like environment: no progress bars, no inherited jamdeploy settings.
        CiEnvironment.Apply(start.Environment);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (runAsUid is not null) start.Environment["HOME"] = Path.GetTempPath();
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("jamdeploy did not start");
        process.StandardInput.Close();
        return new JamdeployProcess(process);
    }

    public static async Task<ProcessResult> RunAsync(string workingDirectory, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, int? runAsUid = null, TimeSpan? timeout = null)
    {
        using var process = Start(workingDirectory, args, environment, runAsUid);
        return await process.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public async Task<ProcessResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"jamdeploy did not finish within {timeout}:\n{Stdout}\n{Stderr}");
        }
        _process.WaitForExit(); // drains the output readers
        return new ProcessResult(_process.ExitCode, Stdout, Stderr);
    }

    /// <summary>Waits until the process has written <paramref name="text"/> to stdout; fails at once if it exits without.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        OutputWait.UntilAsync(() => Stdout, text, "stdout", Exited, () => $"--- stdout\n{Stdout}\n--- stderr\n{Stderr}", timeout);

    private Task<ProcessResult>? Exited()
    {
        if (!_process.HasExited) return null;
        _process.WaitForExit(); // the output readers may still hold the last lines
        return Task.FromResult(new ProcessResult(_process.ExitCode, Stdout, Stderr));
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no cleanup code runs, as when a CI runner is torn down.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
