using System.Text.RegularExpressions;
using Jamdeploy.Cli.Ci;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>deploy/README.md keeps up with what the product reads and writes (its configuration reference: Configuration/ShippedDefaultsTests).</summary>
public sealed partial class OperatorDocumentationTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryRoot.Combine("deploy", "README.md"));

    [Fact]
    public void CiRecipe_DocumentsEveryGitHubOutput()
    {
        var report = new CiDeployReport("s3://b/p", CiDeployOutcomes.Live, 0, true, "r1", "r0", "https://x/", "c", "m", new CiPlanCounts(1, 2, 3, 4, 5), 6, "p");

        var names = OutputName().Matches(GitHubActionsOutputs.FormatOutputs(report)).Select(m => m.Groups["name"].Value).ToList();

        Assert.Contains("release_id", names);
        Assert.All(names, name => Assert.Contains($"| `{name}` |", Readme, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"(?m)^(?<name>[a-z_]+)(=|<<)")]
    private static partial Regex OutputName();
}
