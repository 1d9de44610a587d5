using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jamdeploy.Cli.Results;
using Jamdeploy.Deploying;
using Jamdeploy.Planning;
using Jamdeploy.Releases;
using Jamdeploy.Rules;
using Jamdeploy.Verification;

namespace Jamdeploy.Cli.Output;

/// <summary>
/// What the user reads on stdout: human lines, or with --json exactly one JSON document and nothing else.
/// </summary>
/// <param name="interactive">Whether someone watches this output on a terminal (no CI, stdout not redirected).</param>
public sealed class UserOutput(TextWriter stdout, bool json, bool interactive)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A document for programs, never embedded in HTML: an error line keeps its quotes ('x', not \u0027x\u0027).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Enums by camelCase name, one closed converter each (the Native AOT build makes no generic type at run time);
        // a test checks every enum the documents hold is here.
        Converters =
        {
            new JsonStringEnumConverter<BlobAction>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<BlobFault>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<DeployOutcome>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<FlipAction>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<PathChange>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<RuleChangeKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<RuleKind>(JsonNamingPolicy.CamelCase),
        },
        TypeInfoResolver = ResultJsonContext.Default,
    };

    private bool _documentWritten;

    public bool IsJson => json;

    public TextWriter Writer => stdout;

    /// <summary>A line for people (progress, a wait); suppressed under --json.</summary>
    public void Line(string text)
    {
        if (!json) stdout.WriteLine(text);
    }

    /// <summary>
    /// A command's result: its lines, or under --json its document. Only the first document is written, so
    /// a failure after a long-running command announced itself (serve) cannot add a second one.
    /// </summary>
    public void Write(ICommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!json)
        {
            foreach (var line in result.Lines()) stdout.WriteLine(line);
            return;
        }
        if (_documentWritten) return;
        var document = JsonSerializer.Serialize(result, JsonOptions.GetTypeInfo(result.GetType()));
        _documentWritten = true;
        stdout.WriteLine(document);
    }

    /// <summary>A progress display belongs on an interactive terminal only: never under --json or in CI.</summary>
    public bool CanShowLiveProgress => !json && interactive;
}
