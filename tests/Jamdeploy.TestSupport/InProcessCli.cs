using Jamdeploy.Cli;

namespace Jamdeploy.TestSupport;

/// <summary>
/// Runs <c>jamdeploy</c> in this process through the entry point <c>Program.cs</c> uses
/// (<see cref="JamdeployCli.RunAsync"/>), capturing stdout and stderr: the fast way to test what a command
/// prints and returns. The working directory and environment are this process's (both are process-wide, so
/// a test that needs its own uses <see cref="JamdeployProcess"/>); pass <c>--store</c> explicitly.
/// </summary>
public static class InProcessCli
{
    public static async Task<ProcessResult> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await JamdeployCli.RunAsync([.. args], stdout, stderr, cancellationToken);
        return new ProcessResult(exit, stdout.ToString(), stderr.ToString());
    }
}
