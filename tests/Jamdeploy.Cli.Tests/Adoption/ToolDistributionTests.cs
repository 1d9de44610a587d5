using System.IO.Compression;
using System.Net;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>The two ways a team gets jamdeploy: the .NET tool package and the container image.</summary>
[RunsLong(130)]
[Collection(ToolBuildCollection.Name)]
public sealed class ToolDistributionTests(ToolBuildFixture build)
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
    public async Task Pack_Package_IsAToolNamedJamdeployWithAPrecompiledLinuxX64PackageAndAPortableOne()
    {
        await build.PackAndInstallAsync();

        using var package = ZipFile.OpenRead(build.PackageFile!);
        var toolSettings = package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var stream = toolSettings.Open();
        var settings = XDocument.Load(stream);
        Assert.Equal("jamdeploy", settings.Descendants("Command").Single().Attribute("Name")?.Value);
        Assert.Equal(["any:Jamdeploy.any", "linux-x64:Jamdeploy.linux-x64"], settings.Descendants("RuntimeIdentifierPackage")
            .Select(p => $"{p.Attribute("RuntimeIdentifier")?.Value}:{p.Attribute("Id")?.Value}").Order(StringComparer.Ordinal));
        Assert.Equal("Jamdeploy", Nuspec(package).Descendants().Single(e => e.Name.LocalName == "id").Value);
    }

    /// <summary>
    /// Start-up is what a small deploy costs (issue #16): the tool a linux-x64 machine installs is compiled ahead of
    /// time (Native AOT: one executable that starts with no JIT and needs no .NET runtime). The portable package, what
    /// other platforms get, is the assemblies.
    /// </summary>
    [Fact(Timeout = BuildTimeoutMs)]
    public async Task InstalledTool_OnLinuxX64_IsNativeAot()
    {
        await build.PackAndInstallAsync();
        var installed = Directory.GetFiles(build.InstalledDirectory!, "*", SearchOption.AllDirectories);
        var linuxX64 = OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

        Assert.Equal(!linuxX64, installed.Any(f => Path.GetFileName(f) is "jamdeploy.dll" or "Jamdeploy.Core.dll"));
        if (linuxX64)
            Assert.Contains(installed, f => Path.GetFileName(f) == "jamdeploy" && IsNativeExecutable(f) && new FileInfo(f).Length > 10_000_000);
    }

    private static bool IsNativeExecutable(string file)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(file);
        return stream.Read(magic) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    private static bool IsReadyToRun(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var reader = new PEReader(stream);
        return reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    /// <summary>
    /// What the container does, minus the container engine: the Dockerfile's publish output runs with plain
    /// <c>dotnet</c> (no apphost), and runs the image's command, <c>serve --urls …</c>, as an unprivileged
    /// user, answering with serve's cache rules.
    /// </summary>
    [Fact(Timeout = BuildTimeoutMs)]
    public async Task DockerfilePublish_RunsTheImagesServeCommandAsNonRoot()
    {
        var app = await build.PublishAsync();
        var dll = Path.Combine(app, "jamdeploy.dll");
        Assert.True(File.Exists(dll));
        Assert.False(File.Exists(Path.Combine(app, "jamdeploy")), "published with an apphost the image never uses");
        Assert.True(IsReadyToRun(dll), "the image's jamdeploy.dll is not precompiled (ReadyToRun)");
        using var versionRun = JamdeployProcess.Start(RepositoryRoot.Path, ["--version"], dll: dll);
        var version = await versionRun.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout.Trim());

        using var temp = new TempDirectory("image");
        var store = temp.Combine("store");
        using (var deploy = JamdeployProcess.Start(temp.Path, ["deploy", RepositoryRoot.Combine("deploy", "sample-site"), "--store", store], dll: dll))
        {
            var deployed = await deploy.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(deployed.ExitCode == 0, deployed.ToString());
        }

        // The image runs as its `app` user; as root here, drop to that uid as the image does.
        int? uid = Environment.UserName == "root" ? ImageAppUid : null;
        using var serve = JamdeployProcess.Start(temp.Path, ["serve", "--urls", "http://127.0.0.1:0", "--store", store], dll: dll, runAsUid: uid);
        await serve.WaitForOutputAsync("Ctrl+C stops", TimeSpan.FromMinutes(1));
        var address = Regex.Match(serve.Stdout, @" on (http://127\.0\.0\.1:\d+)").Groups[1].Value;
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };

        using var home = await http.GetAsync("/");
        using var asset = await http.GetAsync("/assets/css/site.3f9a1c2e.css");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Roasted on the harbour", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("max-age=0", home.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Contains("immutable", asset.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The numeric id of the <c>app</c> user in Microsoft's .NET images (their APP_UID).</summary>
    private const int ImageAppUid = 1654;

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
