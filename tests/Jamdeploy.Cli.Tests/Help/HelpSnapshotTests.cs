using System.Runtime.CompilerServices;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Help;

/// <summary>
/// The help of every command, as users read it: snapshots under Help/snapshots, so a change to a flag, a
/// default or a description is a decision a reviewer sees. After an intended change, rerun with
/// JAMDEPLOY_UPDATE_SNAPSHOTS=1 and review the diff.
/// </summary>
public sealed class HelpSnapshotTests
{
    public static TheoryData<string> Commands => new()
    {
        "", "deploy", "promote", "rollback", "releases", "status", "invalidate", "sync-edge", "serve", "cleanup", "verify", "pin", "unpin",
    };

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Commands))]
    public async Task Help_MatchesTheSnapshot(string command)
    {
        string[] args = command.Length == 0 ? ["--help"] : [command, "--help"];

        // In process: the usage line names the program as users run it whatever the host process is called.
        var result = await InProcessCli.RunAsync(args, workingDirectory: Path.GetTempPath());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        var help = string.Join("\n", result.Stdout.Split('\n').Select(l => l.TrimEnd())).Trim() + "\n";
        var snapshot = SnapshotPath(command.Length == 0 ? "jamdeploy" : command);
        if (Environment.GetEnvironmentVariable("JAMDEPLOY_UPDATE_SNAPSHOTS") == "1") await File.WriteAllTextAsync(snapshot, help);
        Assert.True(File.Exists(snapshot), $"no snapshot {snapshot}: rerun with JAMDEPLOY_UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(await File.ReadAllTextAsync(snapshot), help);
    }

    private static string SnapshotPath(string name, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "snapshots", name + ".txt");
}
