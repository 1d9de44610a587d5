using System.CommandLine;
using Jamdeploy.Cli.Commands;
using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli;

/// <summary>The composition root of the <c>jamdeploy</c> command.</summary>
public static class JamdeployCli
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("jamdeploy: atomic, content-addressed deploys of static sites to a local store or S3 + CloudFront.");
        CommandBase[] commands =
        [
            new DeployCommand(),
            new PromoteCommand(),
            new RollbackCommand(),
            new ReleasesCommand(),
            new StatusCommand(),
            new InvalidateCommand(),
            new SyncEdgeCommand(),
            new ServeCommand(),
            new CleanupCommand(),
            new VerifyCommand(),
            new PinCommand(),
            new UnpinCommand(),
        ];
        foreach (var command in commands) root.Subcommands.Add(command);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand();
        var parsed = root.Parse(args);
        var output = stdout ?? Console.Out;
        var errors = stderr ?? Console.Error;
        if (parsed.Errors.Count > 0)
        {
            // A usage mistake is exit 2 and one line, not the help page.
            var problems = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')));
            var failure = FailureResult.Usage($"{problems} (see `jamdeploy --help`)");
            new UserOutput(output, CommandBase.WantsJson(parsed)).Write(failure);
            await errors.WriteLineAsync($"jamdeploy: {failure.Error}");
            return failure.ExitCode;
        }
        var configuration = new InvocationConfiguration { Output = output, Error = errors };
        return await parsed.InvokeAsync(configuration, cancellationToken);
    }
}
