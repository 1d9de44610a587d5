using System.CommandLine;
using Jamdeploy.Cli.Commands;
using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;
using Jamdeploy.Cli.Hosting;

namespace Jamdeploy.Cli;

/// <summary>The composition root of the <c>jamdeploy</c> command.</summary>
public static class JamdeployCli
{
    /// <param name="host">The process around the invocation: every command writes to and reads from it.</param>
    public static RootCommand BuildRootCommand(CliHost host)
    {
        var root = new RootCommand("jamdeploy: atomic, content-addressed deploys of static sites to a local store or S3 + CloudFront.")
        {
            // The name users type, whatever process runs the command (the help of an in-process test too).
            HelpName = "jamdeploy",
        };
        CommandBase[] commands =
        [
            new DeployCommand { Host = host },
            new PromoteCommand { Host = host },
            new RollbackCommand { Host = host },
            new ReleasesCommand { Host = host },
            new StatusCommand { Host = host },
            new InvalidateCommand { Host = host },
            new SyncEdgeCommand { Host = host },
            new ServeCommand { Host = host },
            new CleanupCommand { Host = host },
            new VerifyCommand { Host = host },
            new PinCommand { Host = host },
            new UnpinCommand { Host = host },
        ];
        foreach (var command in commands) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Runs one invocation in <paramref name="host"/>: the entry point of the program and of in-process tests.</summary>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand(host);
        var parsed = root.Parse(args);
        var output = host.Stdout;
        var errors = host.Stderr;
        if (parsed.Errors.Count > 0)
        {
            // A usage mistake is exit 2 and one line, not the help page.
            var problems = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')));
            var failure = FailureResult.Usage($"{problems} (see `jamdeploy --help`)");
            new UserOutput(output, CommandBase.WantsJson(parsed), interactive: false).Write(failure);
            await errors.WriteLineAsync($"jamdeploy: {failure.Error}");
            return failure.ExitCode;
        }
        // System.CommandLine writes its own output (help, version) here; the commands write to the host.
        var configuration = new InvocationConfiguration { Output = output, Error = errors };
        return await parsed.InvokeAsync(configuration, cancellationToken);
    }
}
