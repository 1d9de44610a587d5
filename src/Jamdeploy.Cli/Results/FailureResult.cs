using Jamdeploy.Cli.Ci;
using Jamdeploy.Deploying;

namespace Jamdeploy.Cli.Results;

/// <summary>
/// What a command that failed tells its user: the error line on stderr and, under <c>--json</c>, still one
/// document on stdout, the same for every command. <see cref="Live"/> names the release live after a failure
/// that happened after the flip (exit 3, or 130 after the flip) or the one that won a race (exit 4);
/// <see cref="Unfinished"/> names the step that did not finish after a flip.
/// </summary>
public sealed record FailureResult : ICommandResult
{
    public const string FailedOutcome = "failed";

    private FailureResult(int exitCode, string error)
    {
        ExitCode = exitCode;
        Error = error;
    }

    public string Outcome => FailedOutcome;

    public int ExitCode { get; }

    public string Error { get; }

    public string? Live { get; private init; }

    public string? Unfinished { get; private init; }

    public IEnumerable<string> Lines() => [];

    public static FailureResult From(JamdeployException failure) => failure switch
    {
        AfterFlipException after => new(failure.ExitCode, failure.Message) { Live = after.Live.Value, Unfinished = after.Unfinished },
        LiveChangedException changed => new(failure.ExitCode, failure.Message) { Live = changed.NowLive?.Value },
        _ => new(failure.ExitCode, failure.Message),
    };

    /// <summary>
    /// What the CI is told about a deploy that failed, read from this result alone so the exception types are
    /// mapped once (<see cref="From"/>). After a refusal <see cref="Live"/> names the deploy that won the race,
    /// not this one's release, so nothing is reported live.
    /// </summary>
    public CiDeployReport ToCiReport(DeployRequest request, string store, string? url)
    {
        var outcome = ExitCode switch
        {
            ExitCodes.InvalidationFailed when Unfinished == EdgePointerFailedException.Step => CiDeployOutcomes.EdgePointerFailed,
            ExitCodes.InvalidationFailed => CiDeployOutcomes.InvalidationFailed,
            ExitCodes.Conflict => CiDeployOutcomes.Refused,
            ExitCodes.Cancelled => CiDeployOutcomes.Cancelled,
            _ => CiDeployOutcomes.Failed,
        };
        var live = ExitCode == ExitCodes.Conflict ? null : Live;
        return new CiDeployReport(store, outcome, ExitCode, live is not null, live, null,
            live is null ? null : url, request.Commit, request.Message, null, 0, Error);
    }

    /// <summary>Ctrl+C before anything changed.</summary>
    public static FailureResult Cancelled() => new(ExitCodes.Cancelled, "cancelled; the live release is unchanged");

    /// <summary>A command line that does not parse (the message names what to fix).</summary>
    public static FailureResult Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>Anything not expected is a bug: one line here, the exception in the log.</summary>
    public static FailureResult Bug(Exception e) =>
        new(ExitCodes.Failed, $"unexpected error: {e.Message.Split('\n')[0]} (a bug; rerun with --verbose for details)");
}
