using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// Configuration in order of precedence, lowest first: <c>appsettings.json</c> shipped beside the
/// binary, <c>jamdeploy.json</c> in the working directory, <c>JAMDEPLOY__</c> environment variables
/// (<c>__</c> separates sections); flags are applied last by each command. A key no options type
/// declares (<see cref="SettingsSchema"/>) is a usage error naming it and the nearest known key: a typo
/// must not silently fall back to a default.
/// </summary>
public static class ConfigurationLoader
{
    public const string ProjectFileName = "jamdeploy.json";
    public const string ShippedFileName = "appsettings.json";
    public const string EnvironmentPrefix = "JAMDEPLOY__";

    /// <summary>Read from the environment only: logging starts before the files are read.</summary>
    public static readonly string LogFileKey = $"{nameof(JamdeploySettings.Logging)}:{nameof(LoggingSettings.File)}";

    /// <param name="environment">The invocation's environment variables (not necessarily the process's: in-process tests).</param>
    public static IConfiguration Load(string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment) =>
        Load(workingDirectory, environment, AppContext.BaseDirectory);

    /// <param name="workingDirectory">Where <c>jamdeploy.json</c> is looked for.</param>
    /// <param name="environment">Environment variables; only those starting <c>JAMDEPLOY__</c> are read.</param>
    /// <param name="shippedDirectory">Where the shipped <c>appsettings.json</c> is (beside the binary).</param>
    public static IConfiguration Load(string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment, string shippedDirectory)
    {
        var shipped = ReadJson(Path.Combine(shippedDirectory, ShippedFileName), $"{ShippedFileName} (shipped with jamdeploy)");
        var project = ReadJson(Path.Combine(workingDirectory, ProjectFileName), ProjectFileName);
        var variables = ReadEnvironment(environment);
        return new ConfigurationBuilder()
            .AddConfiguration(shipped)
            .AddConfiguration(project)
            .AddInMemoryCollection(variables)
            .Build();
    }

    /// <summary>
    /// Binds a section, turning a value of the wrong type into a line that names the key. The caller's
    /// <paramref name="get"/> (<c>s => s.Get&lt;Options&gt;()</c>) names the options type where the configuration binder's
    /// source generator sees it, so the binding is compiled, not reflected (the Native AOT build has no reflection binder).
    /// </summary>
    public static T Bind<T>(IConfiguration configuration, string section, Func<IConfigurationSection, T?> get) where T : new()
    {
        try
        {
            return get(configuration.GetSection(section)) ?? new T();
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"configuration: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static IConfiguration ReadJson(string path, string name)
    {
        var builder = new ConfigurationBuilder();
        // Read once, checked, then parsed from memory: a JSON file source would also set up a file provider and its
        // watcher (three assemblies a start-up loads for nothing; issue #16).
        if (File.Exists(path)) builder.AddJsonStream(new MemoryStream(CheckJson(path)));
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException)
        {
            throw new UsageException($"{name} could not be read: {e.Message}", e);
        }
        foreach (var key in configuration.AsEnumerable().Select(p => p.Key).Order(StringComparer.OrdinalIgnoreCase))
        {
            if (SettingsSchema.Jamdeploy.UnknownPart(key) is { } unknown)
                throw new UsageException($"unknown key '{unknown}' in {name}{Suggestion(unknown, k => k)}");
            if (key.Equals(LogFileKey, StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"{LogFileKey} in {name} would not be read (logging starts first); set {VariableName(LogFileKey).ToUpperInvariant()} instead");
        }
        return configuration;
    }

    private static Dictionary<string, string?> ReadEnvironment(IEnumerable<KeyValuePair<string, string?>> environment)
    {
        // Variable names are case-sensitive on Linux, keys are not: the last spelling of a key wins, as the
        // configuration's own environment provider does it.
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment.Where(v => v.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var key = name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
            if (key.Length == 0) continue;
            if (SettingsSchema.Jamdeploy.UnknownPart(key) is { } unknown)
                throw new UsageException($"unknown key '{unknown}' in environment variable {name}{Suggestion(unknown, VariableName)}");
            values[key] = value;
        }
        return values;
    }

    /// <summary>The variable that sets a key: <c>Cdn:Provider</c> → <c>JAMDEPLOY__Cdn__Provider</c>.</summary>
    public static string VariableName(string key) => EnvironmentPrefix + key.Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal);

    private static string Suggestion(string unknown, Func<string, string> spell) =>
        SettingsSchema.Jamdeploy.Nearest(unknown) is { } nearest ? $"; did you mean '{spell(nearest)}'?" : "; see the configuration reference (deploy/README.md)";

    // The JSON provider's own error names neither the line nor the problem in one line; this does.
    private static byte[] CheckJson(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new UsageException($"{path}: the configuration must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}; fix or remove the file", e);
        }
        return bytes;
    }
}
