using System.CommandLine;
using Jamdeploy.Cli.Ci;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// What every command shares: the common options, configuration, logging, and the mapping of outcomes
/// to exit codes (DESIGN.md), and writing the command's result. An expected failure is one line on stderr
/// (and under --json one <see cref="FailureResult"/> document); anything else is a bug, told as one line with
/// the full exception in the log.
/// </summary>
public abstract class CommandBase : Command
{
    protected static readonly Option<string?> StoreOption = new("--store")
    {
        Description = $"Where the site lives: a directory (default {StoreFactory.DefaultLocation}) or s3://bucket/prefix",
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
    public required CliHost Host { get; init; }

    /// <summary>Does the work and says what happened; the base writes it (see <see cref="ICommandResult"/>).</summary>
    protected abstract Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken);

    private async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var stdout = Host.Stdout;
        var stderr = Host.Stderr;
        var output = new UserOutput(stdout, parseResult.GetValue(JsonOption), IsInteractive());
        await using var log = Logging.Create(parseResult.GetValue(VerboseOption), stderr, Host);
        ICommandResult result;
        try
        {
            var context = CommandContext.Create(parseResult, parseResult.GetValue(StoreOption), output, log, Host);
            result = await ExecuteAsync(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = FailureResult.Cancelled();
        }
        catch (JamdeployException e)
        {
            log.Debug(e, "{Command} failed with exit code {ExitCode}", Name, e.ExitCode);
            result = FailureResult.From(e);
        }
        catch (Exception e)
        {
            log.Error(e, "{Command} failed unexpectedly", Name);
            result = FailureResult.Bug(e);
        }
        try
        {
            output.Write(result);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Error(e, "{Command} could not write its result", Name);
            result = FailureResult.Bug(e);
            output.Write(result);
        }
        if (result.ExitCode != ExitCodes.Done && result.Error is { } error) await stderr.WriteLineAsync($"jamdeploy: {error}");
        return result.ExitCode;
    }

    /// <summary>
    /// Whether someone watches the output on a terminal: the host writes to this process's console, which is not
    /// redirected, and no CI runs it (the one CI rule, <see cref="CiEnvironment.IsCi"/>: <c>CI=false</c> is no CI).
    /// </summary>
    private bool IsInteractive() =>
        ReferenceEquals(Host.Stdout, Console.Out) && !Console.IsOutputRedirected && !CiEnvironment.Detect(Host.Environment).IsCi;

    /// <summary>Whether <c>--json</c> was given, read even from a command line that did not parse.</summary>
    internal static bool WantsJson(ParseResult parseResult)
    {
        try
        {
            return parseResult.GetValue(JsonOption);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
