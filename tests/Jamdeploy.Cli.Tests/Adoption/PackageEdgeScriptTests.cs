using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// scripts/package-edge.sh, the one step between the edge's JavaScript and the serverless stack: it runs here on an
/// edge folder of its own making (origin.js importing a local module and a production dependency, a dev dependency,
/// a test file, the viewer function), so what it puts in the zip, and what it leaves out, is known.
/// </summary>
public sealed partial class PackageEdgeScriptTests : IAsyncLifetime
{
    private static readonly string Script = RepositoryRoot.Combine("scripts", "package-edge.sh");
    private static readonly JsonObject Template = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("deploy", "cloudformation", "jamdeploy-serverless.json")))!.AsObject();
    private readonly string _work = Directory.CreateTempSubdirectory("jamdeploy-package-edge-").FullName;
    private string Source => Path.Combine(_work, "edge");
    private string TemplateCopy => Path.Combine(_work, "template.json");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        Write("vendor/dep/package.json", """{ "name": "fake-dep", "version": "1.0.0", "main": "index.js" }""");
        Write("vendor/dep/index.js", "module.exports = 'shipped';\n");
        Write("vendor/devdep/package.json", """{ "name": "fake-devdep", "version": "1.0.0", "main": "index.js" }""");
        Write("vendor/devdep/index.js", "module.exports = 'test only';\n");
        await Run("npm", ["pack", "./dep", "./devdep", "--silent"], Path.Combine(_work, "vendor"), timeout.Token);
        Write("edge/package.json", """
            { "name": "edge", "version": "1.0.0", "private": true, "type": "module",
              "dependencies": { "fake-dep": "file:../vendor/fake-dep-1.0.0.tgz" },
              "devDependencies": { "fake-devdep": "file:../vendor/fake-devdep-1.0.0.tgz" } }
            """);
        Write("edge/origin.js", """
            import dep from 'fake-dep';
            import { resolve } from './lib/resolve.js';
            export const originRequest = async (event) => resolve(event, dep);
            export const originResponse = async (event) => event.Records[0].cf.response;
            """);
        Write("edge/lib/resolve.js", "export const resolve = (event) => event.Records[0].cf.request;\n");
        Write("edge/viewer-request.js", """
            import cf from 'cloudfront';
            const kvs = cf.kvs();
            async function handler(event) {
                const release = await kvs.get('__JAMDEPLOY_POINTER_KEY__');
                const preview = '__JAMDEPLOY_PREVIEW_SUFFIX__';
                event.request.uri = `/_r/${release}${event.request.uri}`;
                return event.request;
            }
            """);
        Write("edge/origin.test.js", "import './origin.js';\n");
        // The lockfile, as the edge folder keeps one; file: tarballs install offline.
        await Run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], Source, timeout.Token);
        File.Copy(RepositoryRoot.Combine("deploy", "cloudformation", "jamdeploy-serverless.json"), TemplateCopy);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [Fact(Timeout = 120000)]
    public async Task Package_HoldsOriginItsImportsAndProductionDependencies_Only_AndIsTheSameBytesEveryTime()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--sync-template"], _work, timeout.Token);

        var first = Zip(await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--out", Path.Combine(_work, "out1")], _work, timeout.Token));
        var second = Zip(await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--out", Path.Combine(_work, "out2")], _work, timeout.Token));

        Assert.Equal(await File.ReadAllBytesAsync(first, timeout.Token), await File.ReadAllBytesAsync(second, timeout.Token));
        using var zip = ZipFile.OpenRead(first);
        Assert.Equal(
            ["lib/resolve.js", "node_modules/fake-dep/index.js", "node_modules/fake-dep/package.json", "origin.js", "package.json"],
            zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(new DateTime(1980, 1, 1), e.LastWriteTime.DateTime));
    }

    /// <summary>The zip runs: origin.js loads from it with its dependency and exports the handlers the stack's functions name.</summary>
    [Fact(Timeout = 120000)]
    public async Task Package_LoadsUnderNode_AndExportsTheHandlersTheStackNames()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--sync-template"], _work, timeout.Token);
        var zip = Zip(await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--out", Path.Combine(_work, "out")], _work, timeout.Token));
        var unpacked = Path.Combine(_work, "unpacked");
        ZipFile.ExtractToDirectory(zip, unpacked);
        var handlers = Template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Lambda::Function")
            .Select(r => r.Value!["Properties"]!["Handler"]!.GetValue<string>())
            .ToList();

        var exported = await Run("node", ["--input-type=module", "-e",
            "const m = await import(process.argv[1] + '/origin.js'); console.log(Object.keys(m).filter(k => typeof m[k] === 'function').sort().join(' '))", unpacked],
            _work, timeout.Token);

        Assert.Equal(2, handlers.Count);
        Assert.All(handlers, h => Assert.StartsWith("origin.", h, StringComparison.Ordinal));
        Assert.Equal(handlers.Select(h => h["origin.".Length..]).Order(StringComparer.Ordinal), exported.Stdout.Trim().Split(' '));
    }

    /// <summary>
    /// The printed commands upload exactly this zip under its SHA-256 and pass the stack the parameters it declares,
    /// with the base64 SHA-256 that CloudFormation checks the published version against.
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task PrintedCommands_UploadTheZipUnderItsHash_AndDeployTheStackWithIt()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--sync-template"], _work, timeout.Token);

        var run = await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--out", Path.Combine(_work, "out"),
            "--artifact-bucket", "my-artifacts", "--stack-name", "my-site", "--site-name", "www"], _work, timeout.Token);

        var zip = Zip(run);
        var hash = SHA256.HashData(await File.ReadAllBytesAsync(zip, timeout.Token));
        var key = $"jamdeploy-edge/{Convert.ToHexStringLower(hash)}.zip";
        Assert.Contains($"aws s3 cp {zip} s3://my-artifacts/{key} --region us-east-1", run.Stdout, StringComparison.Ordinal);
        var deploy = Assert.Single(run.Stdout.Split('\n'), l => l.StartsWith("aws cloudformation deploy ", StringComparison.Ordinal));
        Assert.Contains("--region us-east-1 --stack-name my-site ", deploy, StringComparison.Ordinal);
        Assert.Contains(" --s3-bucket my-artifacts ", deploy, StringComparison.Ordinal); // the template may exceed the 51,200 bytes taken inline
        var overrides = deploy[(deploy.IndexOf("--parameter-overrides ", StringComparison.Ordinal) + "--parameter-overrides ".Length)..].Split(' ')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["SiteName"] = "www", ["EdgeCodeBucket"] = "my-artifacts", ["EdgeCodeKey"] = key, ["EdgeCodeSha256"] = Convert.ToBase64String(hash),
            },
            overrides);
        Assert.All(overrides.Keys, p => Assert.NotNull(Template["Parameters"]![p]));
        Assert.Contains("OutputKey=='JamdeployJson'", run.Stdout, StringComparison.Ordinal);
        Assert.NotNull(Template["Outputs"]!["JamdeployJson"]);
    }

    /// <summary>A template whose viewer function is not the folder's is refused, with the command that fixes it.</summary>
    [Fact(Timeout = 120000)]
    public async Task Package_RefusesATemplateWhoseViewerFunctionIsNotTheSource()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        await Run("bash", [Script, "--source", Source, "--template", TemplateCopy, "--sync-template"], _work, timeout.Token);
        File.AppendAllText(Path.Combine(Source, "viewer-request.js"), "// changed\n");

        var run = await ChildProcess.RunAsync("bash", [Script, "--source", Source, "--template", TemplateCopy, "--out", Path.Combine(_work, "out")], timeout.Token, _work);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--sync-template", Assert.Single(Lines(run.Stderr)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work, "out")), "nothing is built from a template that does not match");
    }

    [Fact(Timeout = 60000)]
    public async Task Package_WithoutOriginJs_SaysWhichFileIsMissing_AndExits2()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        File.Delete(Path.Combine(Source, "origin.js"));

        var run = await ChildProcess.RunAsync("bash", [Script, "--source", Source, "--template", TemplateCopy, "--out", Path.Combine(_work, "out")], timeout.Token, _work);

        Assert.Equal(2, run.ExitCode);
        Assert.EndsWith("origin.js is missing", Assert.Single(Lines(run.Stderr)), StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    private static string Zip(ChildProcessResult run) => ZipPath().Match(run.Stdout) is { Success: true } m ? m.Groups["zip"].Value : throw new Xunit.Sdk.XunitException("no zip in:\n" + run);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_work, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static async Task<ChildProcessResult> Run(string file, string[] arguments, string directory, CancellationToken cancellationToken)
    {
        var run = await ChildProcess.RunAsync(file, arguments, cancellationToken, directory);
        Assert.True(run.ExitCode == 0, $"{file} {string.Join(' ', arguments)}\n{run}");
        return run;
    }

    [GeneratedRegex(@"^Built (?<zip>\S+\.zip) ", RegexOptions.Multiline)]
    private static partial Regex ZipPath();
}
