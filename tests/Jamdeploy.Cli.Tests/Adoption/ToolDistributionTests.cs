using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>The two ways a team gets jamdeploy: the .NET tool package and the container image.</summary>
public sealed class ToolDistributionTests(ToolBuildFixture build) : IClassFixture<ToolBuildFixture>
{
    private const int BuildTimeoutMs = 600_000;

    [Fact(Timeout = BuildTimeoutMs)]
    public async Task Pack_InstalledFromLocalFolder_GivesJamdeployCommandWithItsVersion()
    {
        var jamdeploy = await build.PackAndInstallAsync();

        var version = PackageVersion(build.PackageFile!);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var result = await ChildProcess.RunAsync(jamdeploy, ["--version"], timeout.Token);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith(version, result.Stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact(Timeout = BuildTimeoutMs)]
    public async Task InstalledTool_DeployInGitHubActions_GoesLiveWithCiCommitAndMessageAndWritesOutputs()
    {
        var jamdeploy = await build.PackAndInstallAsync();
        using var temp = new TempDirectory("ci-deploy");
        temp.Write("site/index.html", "<h1>Hello</h1>");
        temp.Write("site/assets/app.0123abcd.js", "console.log(1)");
        var eventFile = temp.Write("event.json", """{ "head_commit": { "message": "Ship the landing page\n\nDetails" } }""");
        var store = temp.Combine("store");
        var environment = new Dictionary<string, string>
        {
            ["CI"] = "true",
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_SHA"] = "5f1e0c9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
            ["GITHUB_EVENT_PATH"] = eventFile,
            ["GITHUB_OUTPUT"] = temp.Combine("github-output"),
            ["GITHUB_STEP_SUMMARY"] = temp.Combine("github-summary"),
            ["JAMDEPLOY__Site__Url"] = "https://www.example.test/",
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var deploy = await ChildProcess.RunAsync(jamdeploy, ["deploy", "site", "--store", store], timeout.Token, temp.Path, environment);

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var outputs = File.ReadAllLines(temp.Combine("github-output"))
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2).ToDictionary(parts => parts[0], parts => parts[1]);
        Assert.Equal("live", outputs["outcome"]);
        Assert.Equal("https://www.example.test/", outputs["url"]);
        Assert.Equal("2", outputs["files"]);
        Assert.Equal("2", outputs["new_blobs"]);
        Assert.Contains($"### `{outputs["release_id"]}` is live", await File.ReadAllTextAsync(temp.Combine("github-summary")), StringComparison.Ordinal);

        var releases = await ChildProcess.RunAsync(jamdeploy, ["releases", "--store", store, "--json"], timeout.Token, temp.Path);
        Assert.True(releases.ExitCode == 0, releases.ToString());
        var release = JsonDocument.Parse(releases.Stdout).RootElement.GetProperty("releases").EnumerateArray().Single();
        Assert.Equal(outputs["release_id"], release.GetProperty("id").GetString());
        Assert.True(release.GetProperty("live").GetBoolean());
        Assert.Equal("5f1e0c9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e", release.GetProperty("commit").GetString());
        Assert.Equal("Ship the landing page", release.GetProperty("message").GetString());
    }

    [Fact(Timeout = BuildTimeoutMs)]
    public async Task Pack_Package_IsAToolNamedJamdeploy()
    {
        await build.PackAndInstallAsync();

        using var package = ZipFile.OpenRead(build.PackageFile!);
        var toolSettings = package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var stream = toolSettings.Open();
        var command = XDocument.Load(stream).Descendants("Command").Single();
        Assert.Equal("jamdeploy", command.Attribute("Name")?.Value);
        Assert.Equal("jamdeploy.dll", command.Attribute("EntryPoint")?.Value);
        Assert.Equal("Jamdeploy", Nuspec(package).Descendants().Single(e => e.Name.LocalName == "id").Value);
    }

    [Fact(Timeout = BuildTimeoutMs)]
    public async Task DockerfilePublish_RunsWithDotnetAsTheImageDoes()
    {
        var app = await build.PublishAsync();

        // The runtime stage runs `dotnet /app/jamdeploy.dll`: no apphost, the shared ASP.NET Core runtime.
        Assert.True(File.Exists(Path.Combine(app, "jamdeploy.dll")));
        Assert.False(File.Exists(Path.Combine(app, "jamdeploy")), "published with an apphost the image never uses");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var result = await ChildProcess.RunAsync("dotnet", [Path.Combine(app, "jamdeploy.dll"), "--version"], timeout.Token);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Stdout.Trim());
    }

    [Fact]
    public void Dockerfile_RuntimeStage_RunsServeAsNonRootFromTheAspNetImage()
    {
        var lines = File.ReadAllLines(DockerBuildContext.DockerfilePath).Select(l => l.Trim()).ToList();
        var from = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", from[0], StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", from[^1], StringComparison.Ordinal);
        var runtimeStage = lines.SkipWhile(l => l != from[^1]).ToList();
        Assert.Contains("COPY --from=build /app ./", runtimeStage);
        var user = Assert.Single(runtimeStage, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain("root", user, StringComparison.Ordinal);
        Assert.NotEqual("USER 0", user);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/jamdeploy.dll\"]", runtimeStage);
        Assert.Contains(runtimeStage, l => l.StartsWith("CMD [\"serve\", \"--urls\", \"http://0.0.0.0:8080\"", StringComparison.Ordinal));
    }

    private static string PackageVersion(string packageFile)
    {
        using var package = ZipFile.OpenRead(packageFile);
        return Nuspec(package).Descendants().Single(e => e.Name.LocalName == "version").Value;
    }

    private static XDocument Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }
}
