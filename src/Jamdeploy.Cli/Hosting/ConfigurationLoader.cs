using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// Configuration in order of precedence, lowest first: <c>appsettings.json</c> shipped beside the
/// binary, <c>jamdeploy.json</c> in the working directory, <c>JAMDEPLOY__</c> environment variables
/// (<c>__</c> separates sections); flags are applied last by each command.
/// </summary>
public static class ConfigurationLoader
{
    public const string ProjectFileName = "jamdeploy.json";
    public const string EnvironmentPrefix = "JAMDEPLOY__";

    /// <param name="environment">The invocation's environment variables; those starting with <see cref="EnvironmentPrefix"/> are read.</param>
    public static IConfiguration Load(string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var project = Path.Combine(workingDirectory, ProjectFileName);
        CheckJson(shipped);
        CheckJson(project);
        try
        {
            return new ConfigurationBuilder()
                .AddJsonFile(shipped, optional: true, reloadOnChange: false)
                .AddJsonFile(project, optional: true, reloadOnChange: false)
                .AddInMemoryCollection(PrefixedVariables(environment))
                .Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException)
        {
            throw new UsageException($"configuration could not be read: {e.Message}", e);
        }
    }

    // As the environment-variable provider reads them (the prefix in any case, `__` for `:`), but from the
    // invocation's environment rather than the process's, so in-process invocations do not share it.
    private static IEnumerable<KeyValuePair<string, string?>> PrefixedVariables(IReadOnlyDictionary<string, string?> environment) =>
        environment.Where(v => v.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            .Select(v => KeyValuePair.Create(v.Key[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), v.Value));

    /// <summary>Binds a section, turning a value of the wrong type into a line that names the key.</summary>
    public static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"configuration: {e.Message.Split('\n')[0]}", e);
        }
    }

    // The JSON provider's own error names neither the line nor the problem in one line; this does.
    private static void CheckJson(string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new UsageException($"{path}: the configuration must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}; fix or remove the file", e);
        }
    }
}
