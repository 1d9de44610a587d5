using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Tests.Adoption;
using Jamdeploy.TestSupport;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Tests.Configuration;

/// <summary>
/// The options types own the defaults; what ships and what is documented follows them. appsettings.json is
/// written from the types (rerun with JAMDEPLOY_UPDATE_SNAPSHOTS=1 after changing a default, and review the
/// diff); the configuration tables of README.md and deploy/README.md list every setting with its default.
/// </summary>
public sealed partial class ShippedDefaultsTests
{
    private static readonly string ShippedPath = RepositoryRoot.Combine(ConfigurationLoader.ShippedFileName);

    [Fact]
    public async Task AppSettings_IsTheOptionsTypesDefaults()
    {
        var expected = SettingsSchema.Jamdeploy.DefaultsDocument().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

        if (Environment.GetEnvironmentVariable("JAMDEPLOY_UPDATE_SNAPSHOTS") == "1") await File.WriteAllTextAsync(ShippedPath, expected);
        Assert.Equal(expected, await File.ReadAllTextAsync(ShippedPath));
    }

    /// <summary>Each value reads back as itself: a default the configuration cannot parse would change what it means.</summary>
    [Fact]
    public void AppSettings_BindsToTheDefaults()
    {
        using var empty = new TempDirectory("defaults");
        var configuration = ConfigurationLoader.Load(empty.Path, [], RepositoryRoot.Path);

        var bound = configuration.Get<JamdeploySettings>() ?? new JamdeploySettings();

        Assert.Equal(
            SettingsSchema.Jamdeploy.DefaultsDocument().ToJsonString(),
            SettingsSchema.For(bound).DefaultsDocument().ToJsonString());
    }

    public static TheoryData<string> Documents => new() { "README.md", "deploy/README.md" };

    /// <summary>A documented default is the options type's: the first `code` of the default column (every item, for a list).</summary>
    [Theory]
    [MemberData(nameof(Documents))]
    public void ConfigurationTable_DefaultsAreTheOptionsTypes(string document)
    {
        var rows = Rows(document);
        Assert.NotEmpty(rows);

        foreach (var setting in SettingsSchema.Jamdeploy.Settings.Where(s => s.HasDefault && rows.ContainsKey(s.Key)))
        {
            var documented = Code().Matches(rows[setting.Key]).Select(m => m.Groups["code"].Value).ToList();
            string[] expected = setting.Default is IEnumerable items and not string
                ? [.. items.Cast<object>().Select(SettingsSchema.Text)]
                : [SettingsSchema.Text(setting.Default!)];
            Assert.True(documented.Take(expected.Length).SequenceEqual(expected),
                $"{document}: the default of {setting.Key} is {string.Join(", ", expected)}, the table says {rows[setting.Key]}");
        }
        Assert.All(rows.Keys, key => Assert.True(
            SettingsSchema.Jamdeploy.UnknownPart(key.Replace(":*", "", StringComparison.Ordinal)) is null,
            $"{document} documents {key}, which no options type declares"));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void ConfigurationTable_NamesTheDefaultIgnorePatterns(string document)
    {
        var row = File.ReadAllLines(RepositoryRoot.Combine(document.Split('/'))).Single(l => l.StartsWith("| `Deploy:IgnoreDefaults` |", StringComparison.Ordinal));

        Assert.All(Deploying.DeployOptions.DefaultIgnore, pattern => Assert.Contains($"`{pattern}`", row, StringComparison.Ordinal));
    }

    [Fact]
    public void ConfigurationReference_ListsEverySetting()
    {
        var rows = Rows("deploy/README.md");

        Assert.All(SettingsSchema.Jamdeploy.Settings, s => Assert.True(rows.ContainsKey(s.Key), $"deploy/README.md#configuration-reference has no row for {s.Key}"));
    }

    /// <summary>Rows of the tables in the document's configuration section: key → default column.</summary>
    private static Dictionary<string, string> Rows(string document)
    {
        var text = File.ReadAllText(RepositoryRoot.Combine(document.Split('/')));
        var start = text.IndexOf("\n## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{document} has no Configuration section");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return Row().Matches(end < 0 ? text[start..] : text[start..end])
            .SelectMany(m => m.Groups["keys"].Value.Split(", ").Select(k => (key: k.Trim('`'), fallback: m.Groups["default"].Value)))
            .Where(r => !r.key.Contains(' ', StringComparison.Ordinal))
            .ToDictionary(r => r.key, r => r.fallback);
    }

    [GeneratedRegex(@"(?m)^\| (?<keys>`[A-Z][A-Za-z0-9:*]*`(, `[A-Z][A-Za-z0-9:*]*`)*) \| (?<default>[^|]*) \|")]
    private static partial Regex Row();

    [GeneratedRegex("`(?<code>[^`]+)`")]
    private static partial Regex Code();
}
