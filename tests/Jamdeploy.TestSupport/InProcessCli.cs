using Jamdeploy.Cli;
using Jamdeploy.Cli.Hosting;

namespace Jamdeploy.TestSupport;

/// <summary>
/// Runs <c>jamdeploy</c> in this process through the entry point <c>Program.cs</c> uses
/// (<see cref="JamdeployCli.RunAsync(string[], CliHost, CancellationToken)"/>), with its own stdout, stderr,
/// working directory and environment, so invocations run side by side without touching the process's.
/// Without a working directory, an empty one. The environment is the one <see cref="JamdeployProcess"/> gives a
/// child (<see cref="CiEnvironment"/>), then <c>env</c>.
/// What only a real process shows (signals, kill -9, the exit of the process itself) stays with
/// <see cref="JamdeployProcess"/>. The AWS SDK's credential chain reads the process's environment, not this
/// one: S3 and CloudFront commands that need credentials from the environment run as a process.
/// </summary>
public static class InProcessCli
{
    public static async Task<ProcessResult> RunAsync(string[] args, IDictionary<string, string?>? env = null, string? workingDirectory = null, CancellationToken ct = default)
    {
        using var run = Start(args, env, workingDirectory, ct);
        return await run.Completion;
    }

    /// <summary>Starts an invocation whose output a test can watch while it runs (races, long deploys).</summary>
    public static RunningCli Start(string[] args, IDictionary<string, string?>? env = null, string? workingDirectory = null, CancellationToken ct = default)
    {
        var environment = CliHost.ProcessVariables().ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        CiEnvironment.Apply(environment);
        foreach (var (key, value) in env ?? new Dictionary<string, string?>()) environment[key] = value;
        return new RunningCli(args, environment, workingDirectory ?? EmptyDirectory.Value, ct);
    }

    // A test that names no working directory gets one with no jamdeploy.json in it, whatever the runner's is.
    private static readonly Lazy<string> EmptyDirectory = new(() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"jamdeploy-in-process-{Environment.ProcessId}")).FullName);
}

/// <summary>One in-process invocation under way; its output can be read while it runs.</summary>
public sealed class RunningCli : IDisposable
{
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    // Synchronized writers lock themselves on every write; reads take the same lock.
    private readonly TextWriter _stdoutWriter;
    private readonly TextWriter _stderrWriter;
    private readonly CancellationTokenSource _cancel;

    internal RunningCli(string[] args, IReadOnlyDictionary<string, string?> environment, string workingDirectory, CancellationToken ct)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Synchronized: the command writes from its own tasks while the test reads.
        _stdoutWriter = TextWriter.Synchronized(_stdout);
        _stderrWriter = TextWriter.Synchronized(_stderr);
        var host = new CliHost(_stdoutWriter, _stderrWriter, workingDirectory, environment);
        Completion = RunAsync(args, host);
    }

    public Task<ProcessResult> Completion { get; }

    public string Stdout { get { lock (_stdoutWriter) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderrWriter) return _stderr.ToString(); } }

    /// <summary>Waits until the invocation has written <paramref name="text"/> to stdout; fails at once if it ends without.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        OutputWait.UntilAsync(() => Stdout, text, "stdout", Finished, SoFar, timeout);

    /// <summary>Waits until the invocation has written <paramref name="text"/> to stderr; fails at once if it ends without.</summary>
    public Task WaitForStderrAsync(string text, TimeSpan timeout) =>
        OutputWait.UntilAsync(() => Stderr, text, "stderr", Finished, SoFar, timeout);

    private Task<ProcessResult>? Finished() => Completion.IsCompleted ? Completion : null;

    private string SoFar() => $"--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    private async Task<ProcessResult> RunAsync(string[] args, CliHost host)
    {
        await Task.Yield(); // the caller gets the handle before the command starts its work
        var exit = await JamdeployCli.RunAsync(args, host, _cancel.Token);
        return new ProcessResult(exit, Stdout, Stderr);
    }

    /// <summary>Cancels an invocation still running (a test that failed half-way must not leave it going).</summary>
    public void Dispose()
    {
        if (!Completion.IsCompleted) _cancel.Cancel();
    }
}
