using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.Cli.Ci;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>deploy/README.md keeps up with what the product reads and writes.</summary>
public sealed partial class OperatorDocumentationTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryRoot.Combine("deploy", "README.md"));

    [Fact]
    public void ConfigurationReference_ListsEveryShippedSetting()
    {
        using var defaults = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("appsettings.json")));
        var keys = LeafKeys(defaults.RootElement, "").ToList();

        Assert.NotEmpty(keys);
        Assert.All(keys.Append(DeployCiHandoff.SiteUrlKey), key => Assert.Contains($"| `{key}` |", Readme, StringComparison.Ordinal));
    }

    [Fact]
    public void CiRecipe_DocumentsEveryGitHubOutput()
    {
        var report = new CiDeployReport("s3://b/p", CiDeployOutcomes.Live, 0, true, "r1", "r0", "https://x/", "c", "m", new CiPlanCounts(1, 2, 3, 4, 5), 6, "p");

        var names = OutputName().Matches(GitHubActionsOutputs.FormatOutputs(report)).Select(m => m.Groups["name"].Value).ToList();

        Assert.Contains("release_id", names);
        Assert.All(names, name => Assert.Contains($"| `{name}` |", Readme, StringComparison.Ordinal));
    }

    private static IEnumerable<string> LeafKeys(JsonElement element, string path) => element.ValueKind == JsonValueKind.Object
        ? element.EnumerateObject().SelectMany(p => LeafKeys(p.Value, path.Length == 0 ? p.Name : $"{path}:{p.Name}"))
        : [path];

    [GeneratedRegex(@"(?m)^(?<name>[a-z_]+)(=|<<)")]
    private static partial Regex OutputName();
}
