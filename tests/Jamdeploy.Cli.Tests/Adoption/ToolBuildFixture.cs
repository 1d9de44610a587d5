using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>The test classes that use the built tool share one build, and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ToolBuildCollection : ICollectionFixture<ToolBuildFixture>
{
    public const string Name = "tool build";
}

/// <summary>
/// Builds jamdeploy the two ways users get it, once per test run: the Dockerfile's publish (replayed on
/// a copy of exactly what the image copies) and the .NET tool package, installed into a private tool path
/// from a local folder only. Both builds run on the same copy, one after the other, so the second is incremental.
/// </summary>
public sealed class ToolBuildFixture : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(12);

    private readonly TempDirectory _root = new("tool");
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _workdir;
    private string? _publishDirectory;
    private string? _installedTool;

    /// <summary>The directory the Dockerfile's runtime stage copies (its <c>/app</c>).</summary>
    public async Task<string> PublishAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_publishDirectory is not null) return _publishDirectory;
            using var timeout = new CancellationTokenSource(BuildTimeout);
            var workdir = PrepareWorkdir();
            var publish = _root.Combine("app");
            foreach (var command in DockerBuildContext.Read().RunLines)
            {
                var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(word => word == "/app" ? publish : word).ToList();
                Assert.Equal("dotnet", words[0]);
                var result = await ChildProcess.RunAsync("dotnet", words.Skip(1), timeout.Token, workdir);
                Assert.True(result.ExitCode == 0, $"`{command}` failed: {result}");
            }
            return _publishDirectory = publish;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// <c>dotnet pack</c>, then <c>dotnet tool install Jamdeploy --tool-path</c> from that folder alone; returns
    /// the installed <c>jamdeploy</c> command. A private NuGet cache keeps a stale package of the same version out.
    /// </summary>
    public async Task<string> PackAndInstallAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_installedTool is not null) return _installedTool;
            using var timeout = new CancellationTokenSource(BuildTimeout);
            var workdir = PrepareWorkdir();
            // scripts/test.sh packs once after the build (the spawned CLI processes run the tool it installs); a test
            // run without it packs here.
            var packed = Environment.GetEnvironmentVariable("JAMDEPLOY_TEST_TOOL_PACKAGES");
            var packages = string.IsNullOrEmpty(packed) || !Directory.Exists(packed) ? _root.Combine("packages") : packed;
            if (packages != packed)
            {
                // One pack per package, as deploy/README.md (Install) gives them: the one users name, then each RID's.
                string[][] rids = [[], ["-r", "any"], ["-r", "linux-x64"]];
                foreach (var rid in rids)
                {
                    var pack = await ChildProcess.RunAsync("dotnet", ["pack", "src/Jamdeploy.Cli", .. rid, "-o", packages], timeout.Token, workdir);
                    Assert.True(pack.ExitCode == 0, $"dotnet pack {string.Join(' ', rid)} failed: {pack}");
                }
            }
            // The package users install names one package per platform (Jamdeploy.linux-x64, Jamdeploy.any); its own
            // name is the id and the version only.
            PackageFile = Assert.Single(Directory.GetFiles(packages, "Jamdeploy.*.nupkg"),
                file => char.IsAsciiDigit(Path.GetFileName(file)["Jamdeploy.".Length]));

            // Only the local folder as a source: the public feed (or a mirror of it) must not answer for "Jamdeploy".
            var config = _root.Write("nuget.config", $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{packages}" />
                  </packageSources>
                </configuration>
                """);
            var tools = _root.Combine("tools");
            var install = await ChildProcess.RunAsync(
                "dotnet", ["tool", "install", "Jamdeploy", "--tool-path", tools, "--configfile", config],
                timeout.Token, _root.Path, new Dictionary<string, string> { ["NUGET_PACKAGES"] = _root.Combine("nuget-cache") });
            Assert.True(install.ExitCode == 0, $"dotnet tool install failed: {install}");
            InstalledDirectory = tools;
            return _installedTool = Path.Combine(tools, "jamdeploy");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The package <see cref="PackAndInstallAsync"/> made and installed (the one that names the platform packages).</summary>
    public string? PackageFile { get; private set; }

    /// <summary>The tool path <see cref="PackAndInstallAsync"/> installed into (the command and the package it installed).</summary>
    public string? InstalledDirectory { get; private set; }

    public void Dispose()
    {
        _gate.Dispose();
        _root.Dispose();
    }

    private string PrepareWorkdir()
    {
        if (_workdir is not null) return _workdir;
        var workdir = _root.Combine("src");
        DockerBuildContext.Read().CopyInto(workdir);
        return _workdir = workdir;
    }
}
