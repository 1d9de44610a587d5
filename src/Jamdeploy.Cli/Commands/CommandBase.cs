using System.CommandLine;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// What every command shares: the common options, configuration, logging, and the mapping of outcomes
/// to exit codes (DESIGN.md). An expected failure is one line on stderr; anything else is a bug, told as
/// one line with the full exception in the log.
/// </summary>
public abstract class CommandBase : Command
{
    protected static readonly Option<string?> StoreOption = new("--store")
    {
        Description = "Where the site lives: a directory (default .jamdeploy/store) or s3://bucket/prefix",
    };

    protected static readonly Option<bool> JsonOption = new("--json") { Description = "Write one JSON document to stdout, for machines" };
    protected static readonly Option<bool> VerboseOption = new("--verbose", "-v") { Description = "Log diagnostics to stderr" };

    protected CommandBase(string name, string description) : base(name, description)
    {
        Options.Add(StoreOption);
        Options.Add(JsonOption);
        Options.Add(VerboseOption);
        SetAction(InvokeAsync);
    }

    /// <summary>The process around this invocation (set by <see cref="JamdeployCli"/>).</summary>
    internal CliHost Host { get => _host ??= CliHost.FromProcess(); set => _host = value; }

    private CliHost? _host;

    protected abstract Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken);

    private async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        var json = parseResult.GetValue(JsonOption);
        await using var log = Logging.Create(parseResult.GetValue(VerboseOption), stderr, Host);
        try
        {
            var context = CommandContext.Create(parseResult, parseResult.GetValue(StoreOption), new UserOutput(stdout, json), log, Host);
            return await ExecuteAsync(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("jamdeploy: cancelled; the live release is unchanged");
            return ExitCodes.Cancelled;
        }
        catch (JamdeployException e)
        {
            log.Debug(e, "{Command} failed with exit code {ExitCode}", Name, e.ExitCode);
            await stderr.WriteLineAsync($"jamdeploy: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e)
        {
            log.Error(e, "{Command} failed unexpectedly", Name);
            await stderr.WriteLineAsync($"jamdeploy: unexpected error: {e.Message.Split('\n')[0]} (a bug; rerun with --verbose for details)");
            return ExitCodes.Failed;
        }
    }
}
