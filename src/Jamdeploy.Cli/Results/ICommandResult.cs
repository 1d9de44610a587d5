namespace Jamdeploy.Cli.Results;

/// <summary>
/// What one run of a command tells its user, in one record (the model: s3deploy's single summary). Its
/// public properties, in declaration order, are the <c>--json</c> document; <see cref="Lines"/> is what a
/// person reads. <see cref="Commands.CommandBase"/> writes one or the other (through
/// <see cref="Output.UserOutput.Write"/>), the <see cref="Error"/> line to stderr, and returns
/// <see cref="ExitCode"/>: commands build results, they do not print them.
/// </summary>
/// <remarks>
/// A new field is a new property (and a reviewed snapshot, tests/Jamdeploy.Cli.Tests/Results/snapshots);
/// a property only the human lines need is marked <c>[JsonIgnore]</c>.
/// </remarks>
public interface ICommandResult
{
    /// <summary>0 unless the command finished its report and still failed (a broken release, a delete limit reached).</summary>
    int ExitCode => ExitCodes.Done;

    /// <summary>With a non-zero <see cref="ExitCode"/>: the one line for stderr that says what to do.</summary>
    string? Error => null;

    /// <summary>The human report, one line each.</summary>
    IEnumerable<string> Lines();
}
