using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamdeploy.Cli.Output;

/// <summary>
/// What the user reads on stdout: human lines, or with --json exactly one JSON document and nothing else.
/// </summary>
public sealed class UserOutput(TextWriter stdout, bool json)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public bool IsJson => json;

    public TextWriter Writer => stdout;

    /// <summary>A line for people; suppressed under --json.</summary>
    public void Line(string text)
    {
        if (!json) stdout.WriteLine(text);
    }

    /// <summary>The machine document; written only under --json.</summary>
    public void Json<T>(T document)
    {
        if (json) stdout.WriteLine(JsonSerializer.Serialize(document, JsonOptions));
    }

    /// <summary>A progress display belongs on an interactive terminal only: never under --json or in CI.</summary>
    public bool CanShowLiveProgress =>
        !json && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
}
