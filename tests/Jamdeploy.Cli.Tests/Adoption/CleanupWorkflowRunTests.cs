using System.Text.RegularExpressions;
using Jamdeploy.Cli.Tests.S3;
using Jamdeploy.Storage;
using Jamdeploy.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// The scheduled cleanup works where it must run, in the site's repository (the cleanup role trusts that one): its
/// cleanup and verify steps, as written in deploy/cleanup/cleanup.yml, run with the installed tool in a folder that has
/// only what a site repository has, against S3 (moto), with moto's credentials standing in for the cleanup role's.
/// The verify step fails the job when a release left behind has lost a blob.
/// </summary>
[Collection(ToolBuildCollection.Name)]
public sealed partial class CleanupWorkflowRunTests(ToolBuildFixture build, MotoServer moto) : IClassFixture<MotoServer>
{
    private static readonly string WorkflowPath = RepositoryRoot.Combine("deploy", "cleanup", "cleanup.yml");

    /// <summary>What GitHub makes of the job's other expressions on a scheduled run.</summary>
    private static readonly Dictionary<string, string> ScheduledRun = new() { ["DRY_RUN"] = "false" };

    [Fact(Timeout = 600_000)]
    public async Task CleanupThenVerify_AsWritten_RunInASiteRepository_AndVerifyFailsTheJobOnAMissingBlob()
    {
        var job = (YamlMappingNode)((YamlMappingNode)LoadWorkflow().Children["jobs"]).Children["cleanup"];
        var steps = ((YamlSequenceNode)job.Children["steps"]).Children.Cast<YamlMappingNode>().ToList();
        var cleanupStep = Run(steps.Single(s => Id(s) == "cleanup"))!;
        var verifyStep = Run(steps.Single(s => Run(s)?.Contains("jamdeploy verify", StringComparison.Ordinal) == true))!;
        using var site = await S3Site.CreateAsync(moto);
        using var workspace = new TempDirectory("cleanup-workflow");
        var variables = new Dictionary<string, string> { ["JAMDEPLOY_STORE"] = site.Url };
        var environment = ((YamlMappingNode)job.Children["env"]).Children.ToDictionary(
            e => ((YamlScalarNode)e.Key).Value!,
            e => ScheduledRun.TryGetValue(((YamlScalarNode)e.Key).Value!, out var value) ? value : Substitute(((YamlScalarNode)e.Value).Value!, variables));
        foreach (var (name, value) in site.Environment()) environment[name] = value;
        var jamdeploy = await build.PackAndInstallAsync();
        environment["PATH"] = $"{Path.GetDirectoryName(jamdeploy)}:{Environment.GetEnvironmentVariable("PATH")}";
        environment["RUNNER_TEMP"] = Directory.CreateDirectory(workspace.Combine("runner-temp")).FullName;
        // The site's repository: its build's sources and a jamdeploy.json; none of the jamdeploy repository.
        var repository = Directory.CreateDirectory(workspace.Combine("site-repository")).FullName;
        File.WriteAllText(Path.Combine(repository, "jamdeploy.json"), """{ "Cleanup": { "KeepLast": 1 } }""");
        foreach (var stamp in new[] { "v1", "v2" })
        {
            var deploy = await JamdeployProcess.RunAsync(repository, ["deploy", Some.Site(workspace, stamp, stamp), "--store", site.Url], site.Environment());
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
        }

        var cleaned = await StepAsync(cleanupStep, repository, environment);
        var verified = await StepAsync(verifyStep, repository, environment);
        var blob = (await site.ListAsync("blobs/"))[0].Key;
        await site.Store.DeleteAsync([blob], CancellationToken.None);
        var damaged = await StepAsync(verifyStep, repository, environment);

        Assert.True(cleaned.ExitCode == 0, cleaned.ToString());
        Assert.Contains($"store: {site.Url}", cleaned.Stdout);
        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.True(damaged.ExitCode != 0, damaged.ToString());
        Assert.Contains("jamdeploy: verify failed", damaged.Stderr);
        Assert.Contains(blob[(StoreLayout.BlobsPrefix.Length)..][..12], damaged.Stdout);
    }

    /// <summary>GitHub runs a `run:` step on Linux as `bash --noprofile --norc -eo pipefail {0}`.</summary>
    private static async Task<ChildProcessResult> StepAsync(string script, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await ChildProcess.RunAsync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], timeout.Token, workingDirectory, environment);
    }

    /// <summary>Fills <c>${{ vars.NAME }}</c>; any other expression would not run outside GitHub.</summary>
    private static string Substitute(string value, IReadOnlyDictionary<string, string> variables)
    {
        var filled = VariableExpression().Replace(value, m => variables.TryGetValue(m.Groups["name"].Value, out var v)
            ? v
            : throw new Xunit.Sdk.XunitException($"the cleanup job's environment reads vars.{m.Groups["name"].Value}, which this test gives no value"));
        Assert.DoesNotContain("${{", filled, StringComparison.Ordinal);
        return filled;
    }

    private static string? Id(YamlMappingNode step) => step.Children.TryGetValue("id", out var id) ? ((YamlScalarNode)id).Value : null;

    private static string? Run(YamlMappingNode step) => step.Children.TryGetValue("run", out var run) ? ((YamlScalarNode)run).Value : null;

    private static YamlMappingNode LoadWorkflow()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(WorkflowPath);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    [GeneratedRegex(@"\$\{\{\s*vars\.(?<name>[A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex VariableExpression();
}
