using System.Text.RegularExpressions;
using Jamdeploy.Cli.Ci;
using YamlDotNet.RepresentationModel;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>The GitHub Actions workflows under deploy/ parse, use OIDC rather than keys, and read outputs the CLI writes.</summary>
public sealed partial class WorkflowTests
{
    private static readonly string DeployWorkflowPath = RepositoryRoot.Combine("deploy", "github-actions", "deploy.yml");
    private static readonly string CleanupWorkflowPath = RepositoryRoot.Combine("deploy", "cleanup", "cleanup.yml");

    /// <summary>Every workflow under deploy/ (the cleanup helper's scheduled one included), relative to the repository.</summary>
    private static IReadOnlyList<string> WorkflowFiles() =>
        Directory.EnumerateFiles(RepositoryRoot.Combine("deploy"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("jobs:", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static TheoryData<string> Workflows() => new(WorkflowFiles());

    [Fact]
    public void Workflows_IncludeTheDeployWorkflow()
    {
        Assert.Contains(Path.Combine("deploy", "github-actions", "deploy.yml"), WorkflowFiles());
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_Parses_AndAssumesAwsRolesWithOidcOnly(string relativePath)
    {
        var workflow = Load(RepositoryRoot.Combine(relativePath));

        Assert.True(workflow.Children.ContainsKey("on"), "a workflow needs triggers");
        var jobs = Mapping(workflow, "jobs");
        Assert.NotEmpty(jobs.Children);
        foreach (var (jobName, jobNode) in jobs.Children)
        {
            var job = (YamlMappingNode)jobNode;
            foreach (var step in Steps(job).Where(s => Scalar(s, "uses")?.StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal) == true))
            {
                var with = Mapping(step, "with");
                Assert.False(string.IsNullOrWhiteSpace(Scalar(with, "role-to-assume")), $"{jobName}: configure-aws-credentials without role-to-assume");
                Assert.False(with.Children.ContainsKey("aws-access-key-id"), $"{jobName}: long-lived keys instead of OIDC");
                var permissions = job.Children.ContainsKey("permissions") ? Mapping(job, "permissions") : Mapping(workflow, "permissions");
                Assert.Equal("write", Scalar(permissions, "id-token"));
            }
        }
    }

    [Fact]
    public void DeployWorkflow_BuildsThenDeploysWithOidcCredentials()
    {
        var job = Mapping(Mapping(Load(DeployWorkflowPath), "jobs"), "deploy");
        var steps = Steps(job).ToList();

        var credentials = steps.FindIndex(s => Scalar(s, "uses")?.StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal) == true);
        var build = steps.FindIndex(s => Scalar(s, "name") == "Build the site");
        var deploy = steps.FindIndex(s => Scalar(s, "id") == "deploy");
        Assert.True(build >= 0 && credentials > build && deploy > credentials, "build, then credentials, then deploy");
        Assert.StartsWith("jamdeploy deploy ", Scalar(steps[deploy], "run"), StringComparison.Ordinal);
        Assert.Equal("production", Scalar(Mapping(job, "environment"), "name"));
    }

    /// <summary>
    /// The cleanup role trusts the site's repository, so the cleanup workflow runs there: it installs the tool exactly
    /// as deploy.yml does and reads nothing of the jamdeploy repository (no global.json, no build of src/).
    /// </summary>
    [Fact]
    public void CleanupWorkflow_InstallsTheToolAsTheDeployWorkflowDoes_AndNeedsNothingElseOfThisRepository()
    {
        var deploySteps = Steps(Mapping(Mapping(Load(DeployWorkflowPath), "jobs"), "deploy")).ToList();
        var cleanupSteps = Steps(Mapping(Mapping(Load(CleanupWorkflowPath), "jobs"), "cleanup")).ToList();
        static YamlMappingNode Install(List<YamlMappingNode> steps) => Assert.Single(steps, s => Scalar(s, "name") == "Install jamdeploy");
        static string ToolCheckout(List<YamlMappingNode> steps)
        {
            var with = Mapping(Assert.Single(steps, s => s.Children.ContainsKey("with") && Mapping(s, "with").Children.ContainsKey("repository")), "with");
            return $"{Scalar(with, "repository")} -> {Scalar(with, "path")}";
        }

        Assert.Equal(Scalar(Install(deploySteps), "run"), Scalar(Install(cleanupSteps), "run"));
        Assert.Equal(ToolCheckout(deploySteps), ToolCheckout(cleanupSteps));
        var text = File.ReadAllText(CleanupWorkflowPath);
        Assert.DoesNotContain("global.json", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet build", text, StringComparison.Ordinal);
        Assert.All(cleanupSteps.Select(s => Scalar(s, "run")).OfType<string>().Where(r => r.Contains("jamdeploy ", StringComparison.Ordinal) && !r.Contains("dotnet pack", StringComparison.Ordinal)),
            run => Assert.DoesNotContain("dotnet ", run, StringComparison.Ordinal));
    }

    /// <summary>
    /// Issue #14: damage is never carried forward. After the cleanup step (also one that failed, as a run stopped by
    /// --max-delete does on purpose) `jamdeploy verify --all` checks every release left and fails the job.
    /// </summary>
    [Fact]
    public void CleanupWorkflow_VerifiesEveryReleaseAfterCleanup_EvenWhenCleanupStopped()
    {
        var steps = Steps(Mapping(Mapping(Load(CleanupWorkflowPath), "jobs"), "cleanup")).ToList();

        var cleanup = steps.FindIndex(s => Scalar(s, "id") == "cleanup");
        var verify = steps.FindIndex(s => Scalar(s, "run")?.StartsWith("jamdeploy verify ", StringComparison.Ordinal) == true);

        Assert.True(cleanup >= 0 && Scalar(steps[cleanup], "run")!.Contains("jamdeploy cleanup ", StringComparison.Ordinal), "a step with id cleanup runs jamdeploy cleanup");
        Assert.True(verify > cleanup, "verify runs after cleanup");
        Assert.Contains("--all", Scalar(steps[verify], "run"));
        Assert.DoesNotContain("||", Scalar(steps[verify], "run")); // its exit code fails the job
        Assert.DoesNotContain("continue-on-error", steps[verify].Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        var condition = Scalar(steps[verify], "if") ?? "";
        Assert.True(condition.Contains("!cancelled()", StringComparison.Ordinal) || condition.Contains("always()", StringComparison.Ordinal),
            $"verify must also run after a cleanup that exited 1 (a run stopped by --max-delete); its condition is '{condition}'");
    }

    /// <summary>A workflow that reads an output the CLI never writes gets an empty string, silently: catch that here.</summary>
    [Fact]
    public void DeployWorkflow_ReadsOnlyOutputsTheCliWrites()
    {
        var written = OutputName().Matches(GitHubActionsOutputs.FormatOutputs(EveryField))
            .Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        var read = StepOutputReference().Matches(File.ReadAllText(DeployWorkflowPath)).Select(m => m.Groups["name"].Value).ToList();

        Assert.Contains("url", read);
        Assert.All(read, name => Assert.Contains(name, written));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_EveryRepositoryVariableIsDocumented(string relativePath)
    {
        var readme = File.ReadAllText(RepositoryRoot.Combine("deploy", "README.md"));

        var variables = RepositoryVariable().Matches(File.ReadAllText(RepositoryRoot.Combine(relativePath))).Select(m => m.Groups["name"].Value).Distinct().ToList();

        Assert.NotEmpty(variables);
        Assert.All(variables, name => Assert.Contains($"| `{name}` |", readme, StringComparison.Ordinal));
    }

    private static readonly CiDeployReport EveryField = new(
        "s3://bucket/www", CiDeployOutcomes.Live, 0, true, "r1", "r0", "https://example.test/", "abc", "message",
        new CiPlanCounts(1, 2, 3, 4, 5), 6, "problem");

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) =>
        job.Children.TryGetValue("steps", out var steps) ? ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>() : [];

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) && child is YamlMappingNode mapping
            ? mapping
            : throw new Xunit.Sdk.XunitException($"no mapping '{key}'");

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) && child is YamlScalarNode scalar ? scalar.Value : null;

    [GeneratedRegex(@"(?m)^(?<name>[a-z_]+)(=|<<)")]
    private static partial Regex OutputName();

    [GeneratedRegex(@"\bvars\.(?<name>[A-Za-z0-9_]+)")]
    private static partial Regex RepositoryVariable();

    [GeneratedRegex(@"steps\.deploy\.outputs\.(?<name>[A-Za-z0-9_-]+)")]
    private static partial Regex StepOutputReference();
}
