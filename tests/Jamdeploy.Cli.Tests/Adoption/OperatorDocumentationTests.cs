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

    /// <summary>A newcomer reads README's requirements, not .ci/run: every tool CI installs for the suite is named there.</summary>
    [Fact]
    public void Readme_Requirements_NameEveryToolTheCiInstalls()
    {
        var tools = CommandCheck().Matches(File.ReadAllText(RepositoryRoot.Combine(".ci", "run"))).Select(m => m.Groups["tool"].Value).ToList();
        var requirements = Assert.Single(Regex.Split(File.ReadAllText(RepositoryRoot.Combine("README.md")), @"\n\s*\n"), p => p.StartsWith("Requirements:", StringComparison.Ordinal));

        Assert.Contains("moto_server", tools);
        Assert.All(tools, tool => Assert.Contains($"`{tool}`", requirements, StringComparison.Ordinal));
    }

    /// <summary>Every Markdown file the documentation names is in the repository (deploy/README once sent readers to a DESIGN.md that is not).</summary>
    [Theory]
    [InlineData("README.md")]
    [InlineData("deploy/README.md")]
    [InlineData("src/Jamdeploy.CloudFrontEdge/README.md")]
    public void Documentation_NamesOnlyMarkdownFilesThatExist(string document)
    {
        var path = RepositoryRoot.Combine(document);
        var here = Path.GetDirectoryName(path)!;

        var named = MarkdownFileName().Matches(File.ReadAllText(path)).Select(m => m.Groups["file"].Value).Distinct().ToList();

        Assert.All(named, file => Assert.True(
            File.Exists(Path.Combine(here, file)) || File.Exists(RepositoryRoot.Combine(file)),
            $"{document} names {file}, which is not in the repository"));
    }

    /// <summary>The folder deploy/README's install step packs into is not committed by accident.</summary>
    [Fact]
    public void GitIgnore_IgnoresTheFolderTheInstallStepPacksInto()
    {
        var folder = PackOutput().Match(Readme).Groups["folder"].Value;
        var ignored = File.ReadAllLines(RepositoryRoot.Combine(".gitignore")).Select(l => l.Trim()).ToList();

        Assert.Equal("nupkg", folder);
        Assert.True(ignored.Contains($"/{folder}/") || ignored.Contains($"{folder}/"), $".gitignore does not ignore {folder}/");
    }

    [GeneratedRegex(@"(?m)^(?<name>[a-z_]+)(=|<<)")]
    private static partial Regex OutputName();

    [GeneratedRegex(@"command -v (?<tool>[A-Za-z0-9_.-]+)")]
    private static partial Regex CommandCheck();

    [GeneratedRegex(@"(?<![\w/.-])(?<file>(\.\./)?[\w./-]*[\w-]\.md)\b")]
    private static partial Regex MarkdownFileName();

    [GeneratedRegex(@"dotnet pack src/Jamdeploy\.Cli -o \./(?<folder>[\w-]+)")]
    private static partial Regex PackOutput();
}
