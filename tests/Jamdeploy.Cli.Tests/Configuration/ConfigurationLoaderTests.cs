using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Tests.Adoption;
using Jamdeploy.Deploying;
using Jamdeploy.TestSupport;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Tests.Configuration;

/// <summary>
/// The loader as every command runs it (the shipped appsettings.json, then jamdeploy.json, then
/// <c>JAMDEPLOY__</c> variables), given a folder and an environment so tests need not change the process's.
/// </summary>
public sealed class ConfigurationLoaderTests : IDisposable
{
    private readonly TempDirectory _workspace = new("configuration");

    public void Dispose() => _workspace.Dispose();

    private IConfiguration Load(string? project = null, params (string Name, string Value)[] environment)
    {
        if (project is not null) _workspace.Write(ConfigurationLoader.ProjectFileName, project);
        return ConfigurationLoader.Load(_workspace.Path, environment.Select(v => KeyValuePair.Create(v.Name, (string?)v.Value)), RepositoryRoot.Path);
    }

    public static TheoryData<string, string> MisspeltProjectFiles => new()
    {
        { """{ "Stor": "s3://bucket/site" }""", "unknown key 'Stor' in jamdeploy.json; did you mean 'Store'?" },
        { """{ "Cdn": { "Provder": "cloudfront" } }""", "unknown key 'Cdn:Provder' in jamdeploy.json; did you mean 'Cdn:Provider'?" },
        { """{ "cdn": { "provder": "cloudfront" } }""", "unknown key 'cdn:provder' in jamdeploy.json; did you mean 'Cdn:Provider'?" },
        { """{ "Serve": { "CacheControl": { "Htm": "no-store" } } }""", "unknown key 'Serve:CacheControl:Htm' in jamdeploy.json; did you mean 'Serve:CacheControl:Html'?" },
        // The right name in the wrong section.
        { """{ "Deploy": { "KeepLast": 3 } }""", "unknown key 'Deploy:KeepLast' in jamdeploy.json; did you mean 'Cleanup:KeepLast'?" },
        // Deploy's grace period is Cleanup's: one key, one value.
        { """{ "Deploy": { "GracePeriod": "2.00:00:00" } }""", "unknown key 'Deploy:GracePeriod' in jamdeploy.json; did you mean 'Cleanup:GracePeriod'?" },
        { """{ "Deploy": { "Ignore": { "drafts": "*.md" } } }""", "unknown key 'Deploy:Ignore:drafts' in jamdeploy.json" },
        { """{ "Store": { "Path": "x" } }""", "unknown key 'Store:Path' in jamdeploy.json" },
        { """{ "Zebra": 1 }""", "unknown key 'Zebra' in jamdeploy.json; see the configuration reference" },
        // Known, but read before the files are: refused rather than ignored.
        { """{ "Logging": { "File": "jamdeploy.log" } }""", "Logging:File in jamdeploy.json would not be read (logging starts first); set JAMDEPLOY__LOGGING__FILE instead" },
    };

    [Theory]
    [MemberData(nameof(MisspeltProjectFiles))]
    public void Load_UnknownKeyInProjectFile_IsAUsageErrorNamingItAndTheNearestKey(string project, string message)
    {
        var error = Assert.Throws<UsageException>(() => Load(project));

        Assert.StartsWith(message, error.Message);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    public static TheoryData<string, string> MisspeltVariables => new()
    {
        { "JAMDEPLOY__STOR", "unknown key 'STOR' in environment variable JAMDEPLOY__STOR; did you mean 'JAMDEPLOY__Store'?" },
        { "JAMDEPLOY__CDN__PROVDER", "unknown key 'CDN:PROVDER' in environment variable JAMDEPLOY__CDN__PROVDER; did you mean 'JAMDEPLOY__Cdn__Provider'?" },
        { "JAMDEPLOY__Deploy__Ignore__first", "unknown key 'Deploy:Ignore:first' in environment variable JAMDEPLOY__Deploy__Ignore__first" },
    };

    [Theory]
    [MemberData(nameof(MisspeltVariables))]
    public void Load_UnknownVariable_IsAUsageErrorNamingItAndTheNearestKey(string variable, string message)
    {
        var error = Assert.Throws<UsageException>(() => Load(null, (variable, "x")));

        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Load_EverySettingTheOptionsTypesDeclare_IsAccepted()
    {
        var keys = SettingsSchema.Jamdeploy.Settings.Select(s => s.Key).ToList();
        // Keys read outside the bound sections are declared there too.
        Assert.Contains("Site:Url", keys);
        Assert.Contains("Logging:File", keys);
        Assert.Contains("Cleanup:MaxDelete", keys);
        Assert.Contains("Serve:PurgeToken", keys);

        var variables = keys.Select(k => (ConfigurationLoader.VariableName(k).ToUpperInvariant(), "")).ToArray();
        var configuration = Load("""{ "Deploy": { "Ignore": [ "*.md" ] }, "Serve": { "Preview": { "Enabled": true } }, "Logging": { } }""", variables);

        Assert.Equal("", configuration["store"]);
    }

    /// <summary>
    /// Configuration is bound by the binder's source generator, which skips an <c>init</c>-only property without a
    /// word (dotnet/runtime#107856): such a setting would pass the schema and never be bound. Every value setting,
    /// given a value unlike its default, must reach the options.
    /// </summary>
    [Fact]
    public void Bind_EveryValueSetting_ReachesTheOptions()
    {
        var values = SettingsSchema.Jamdeploy.Settings
            .Select(s => (s.Key, Value: UnlikeTheDefault(s)))
            .Where(s => s.Value is not null)
            .ToDictionary(s => s.Key, s => s.Value!);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)SettingsSchema.Text(v.Value))))
            .Build();

        var bound = configuration.Get<JamdeploySettings>()!;

        Assert.True(values.Count >= 30, $"only {values.Count} value settings: is the schema reading the options types?");
        Assert.All(values, v => Assert.True(Equals(v.Value, Read(bound, v.Key)), $"{v.Key}: set {v.Value}, bound {Read(bound, v.Key)}"));
    }

    private static object? UnlikeTheDefault(Setting setting)
    {
        var type = Nullable.GetUnderlyingType(setting.Type) ?? setting.Type;
        return setting.Default switch
        {
            _ when type == typeof(string) => $"set-{setting.Key.Replace(':', '-')}",
            _ when type == typeof(bool) => !(setting.Default as bool? ?? false),
            _ when type == typeof(int) => (setting.Default as int? ?? 0) + 3,
            _ when type == typeof(long) => (setting.Default as long? ?? 0) + 3,
            _ when type == typeof(TimeSpan) => (setting.Default as TimeSpan? ?? TimeSpan.Zero) + TimeSpan.FromMinutes(7),
            _ when type.IsEnum => Enum.GetValues(type).Cast<object>().FirstOrDefault(v => !v.Equals(setting.Default)),
            _ => null,
        };
    }

    private static object? Read(object settings, string key) =>
        key.Split(':').Aggregate((object?)settings, (section, name) => section?.GetType().GetProperty(name)?.GetValue(section));

    [Fact]
    public void Load_VariablesOverrideTheProjectFile_WhateverTheirCase()
    {
        var configuration = Load("""{ "Store": "from-file" }""", ("jamdeploy__store", "from-variable"));

        Assert.Equal("from-variable", configuration["Store"]);
    }

    /// <summary>Lists merge item by item: a user's first pattern used to replace the shipped first default, .DS_Store.</summary>
    [Fact]
    public void Bind_UserIgnorePatterns_AddToTheDefaults()
    {
        var options = ConfigurationLoader.Bind(Load("""{ "Deploy": { "Ignore": [ "*.md" ] } }"""), "Deploy", s => s.Get<DeployOptions>());

        Assert.Equal([.. DeployOptions.DefaultIgnore, "*.md"], options.IgnorePatterns);
        Assert.Contains(".DS_Store", options.IgnorePatterns);
    }

    [Fact]
    public void Bind_IgnoreDefaultsFalse_LeavesOnlyTheUserPatterns()
    {
        var options = ConfigurationLoader.Bind(Load("""{ "Deploy": { "Ignore": [ "*.md" ], "IgnoreDefaults": false } }"""), "Deploy", s => s.Get<DeployOptions>());

        Assert.Equal(["*.md"], options.IgnorePatterns);
    }

    [Fact]
    public void Bind_IgnorePatternsFromVariables_AddToTheDefaults()
    {
        var options = ConfigurationLoader.Bind(Load(null, ("JAMDEPLOY__Deploy__Ignore__0", "drafts")), "Deploy", s => s.Get<DeployOptions>());

        Assert.Equal([.. DeployOptions.DefaultIgnore, "drafts"], options.IgnorePatterns);
    }
}
