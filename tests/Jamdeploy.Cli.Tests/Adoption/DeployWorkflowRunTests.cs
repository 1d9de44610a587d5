using System.Text.Json;
using System.Text.RegularExpressions;
using Jamdeploy.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// The CI recipe works as written: the deploy job's environment and its deploy step's command, taken from
/// deploy/github-actions/deploy.yml, run with the installed tool against S3 and CloudFront (moto), with
/// moto's credentials standing in for what aws-actions/configure-aws-credentials would export.
/// </summary>
[Collection(ToolBuildCollection.Name)]
public sealed partial class DeployWorkflowRunTests(ToolBuildFixture build, MotoServer moto) : IClassFixture<MotoServer>
{
    private static readonly string WorkflowPath = RepositoryRoot.Combine("deploy", "github-actions", "deploy.yml");

    [Fact(Timeout = 600_000)]
    public async Task DeployStep_AsWritten_PutsTheSiteLiveInS3AndInvalidatesCloudFront()
    {
        var job = (YamlMappingNode)((YamlMappingNode)LoadWorkflow().Children["jobs"]).Children["deploy"];
        var deployStep = ((YamlSequenceNode)job.Children["steps"]).Children.Cast<YamlMappingNode>()
            .Single(s => s.Children.TryGetValue("id", out var id) && ((YamlScalarNode)id).Value == "deploy");
        var command = ((YamlScalarNode)deployStep.Children["run"]).Value!;
        var jobEnvironment = ((YamlMappingNode)job.Children["env"]).Children
            .ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!);

        // The S3 store and the CloudFront client come with their own branches; without them there is nothing to run against.
        var source = RepositoryRoot.Combine("src");
        if (!AwsOperationsInCode.HasClient(source, "s3") || !AwsOperationsInCode.HasClient(source, "cloudfront")) return;

        var bucket = $"site-{Guid.NewGuid():N}"[..24];
        var distribution = (await Boto3Async("setup", bucket)).Trim();
        var variables = new Dictionary<string, string>
        {
            ["JAMDEPLOY_STORE"] = $"s3://{bucket}/www",
            ["JAMDEPLOY_DISTRIBUTION_ID"] = distribution,
            ["JAMDEPLOY_SITE_URL"] = "https://www.example.test/",
        };
        var jamdeploy = await build.PackAndInstallAsync();
        using var workspace = new TempDirectory("workflow");
        CopyDirectory(RepositoryRoot.Combine("deploy", "sample-site"), workspace.Combine("public")); // what "Build the site" leaves
        var environment = jobEnvironment.ToDictionary(e => e.Key, e => Substitute(e.Value, variables));
        foreach (var (name, value) in moto.ClientEnvironment) environment[name] = value;
        environment["PATH"] = $"{Path.GetDirectoryName(jamdeploy)}:{Environment.GetEnvironmentVariable("PATH")}";
        environment["CI"] = "true";
        environment["GITHUB_ACTIONS"] = "true";
        environment["GITHUB_SHA"] = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
        environment["GITHUB_OUTPUT"] = workspace.Combine("github-output");
        environment["GITHUB_STEP_SUMMARY"] = workspace.Combine("github-summary");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // GitHub runs a `run:` step on Linux as `bash --noprofile --norc -eo pipefail {0}`.
        var step = await ChildProcess.RunAsync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", command], timeout.Token, workspace.Path, environment);

        Assert.True(step.ExitCode == 0, step.ToString());
        var outputs = File.ReadAllLines(workspace.Combine("github-output")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("live", outputs["outcome"]);
        Assert.Equal("https://www.example.test/", outputs["url"]);
        Assert.Equal("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", outputs["commit"]);
        using var store = JsonDocument.Parse(await Boto3Async("inspect", bucket, distribution));
        Assert.Contains("www/live.json", store.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains($"www/releases/{outputs["release_id"]}.json", store.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(1, store.RootElement.GetProperty("invalidations").GetInt32());
    }

    /// <summary>Fills <c>${{ vars.NAME }}</c>; any other expression in the job's environment would not run outside GitHub.</summary>
    private static string Substitute(string value, IReadOnlyDictionary<string, string> variables)
    {
        var filled = VariableExpression().Replace(value, m => variables.TryGetValue(m.Groups["name"].Value, out var v)
            ? v
            : throw new Xunit.Sdk.XunitException($"the workflow's job environment reads vars.{m.Groups["name"].Value}, which this test gives no value"));
        Assert.DoesNotContain("${{", filled, StringComparison.Ordinal);
        return filled;
    }

    /// <summary>moto through boto3, an independent client: makes the bucket and a distribution, then reads what the deploy left.</summary>
    private async Task<string> Boto3Async(params string[] args)
    {
        const string script = """
            import boto3, json, sys, uuid
            endpoint, action, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
            kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
            s3, cf = boto3.client("s3", **kw), boto3.client("cloudfront", **kw)
            if action == "setup":
                s3.create_bucket(Bucket=bucket)
                origin = {"Id": "serve", "DomainName": "origin.example.test",
                          "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}
                created = cf.create_distribution(DistributionConfig={
                    "CallerReference": str(uuid.uuid4()), "Comment": "workflow test", "Enabled": True,
                    "Origins": {"Quantity": 1, "Items": [origin]},
                    "DefaultCacheBehavior": {"TargetOriginId": "serve", "ViewerProtocolPolicy": "redirect-to-https"}})
                print(created["Distribution"]["Id"])
            else:
                keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in page.get("Contents", [])]
                listed = cf.list_invalidations(DistributionId=sys.argv[4])["InvalidationList"].get("Items", [])
                print(json.dumps({"keys": keys, "invalidations": len(listed)}))
            """;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var result = await ChildProcess.RunAsync("python3", ["-c", script, moto.Endpoint, .. args], timeout.Token);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private static YamlMappingNode LoadWorkflow()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(WorkflowPath);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }

    [GeneratedRegex(@"\$\{\{\s*vars\.(?<name>[A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex VariableExpression();
}
