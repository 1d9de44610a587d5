namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// Replays the build stage of deploy/Dockerfile without a container engine: copies what its COPY lines
/// copy into a directory that stands for the image's WORKDIR, and gives back its RUN commands. So the
/// tests build from exactly the files the image gets, and a file the Dockerfile forgets fails them.
/// </summary>
internal sealed class DockerBuildContext
{
    private static readonly string[] IgnoredDirectories = ["bin", "obj", "TestResults", ".git"];

    private DockerBuildContext(IReadOnlyList<string> copyLines, IReadOnlyList<string> runLines)
    {
        CopyLines = copyLines;
        RunLines = runLines;
    }

    public static string DockerfilePath => RepositoryRoot.Combine("deploy", "Dockerfile");

    /// <summary>The build stage's <c>COPY</c> lines (without <c>--from</c>).</summary>
    public IReadOnlyList<string> CopyLines { get; }

    /// <summary>The build stage's <c>RUN</c> commands.</summary>
    public IReadOnlyList<string> RunLines { get; }

    public static DockerBuildContext Read()
    {
        var lines = File.ReadAllLines(DockerfilePath).Select(l => l.Trim()).ToList();
        var stages = lines.Select((line, index) => (line, index)).Where(x => x.line.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.True(stages.Count >= 2, "the Dockerfile is multi-stage: an SDK build stage, then a runtime stage");
        var buildStage = lines.Skip(stages[0].index + 1).Take(stages[1].index - stages[0].index - 1).ToList();
        return new DockerBuildContext(
            buildStage.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)).ToList(),
            buildStage.Where(l => l.StartsWith("RUN ", StringComparison.Ordinal)).Select(l => l["RUN ".Length..].Trim()).ToList());
    }

    /// <summary>Copies the sources of every COPY line from the repository into <paramref name="workdir"/>.</summary>
    public void CopyInto(string workdir)
    {
        foreach (var line in CopyLines)
        {
            var parts = line["COPY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var destination = Path.Combine(workdir, parts[^1] == "./" ? "" : parts[^1].TrimEnd('/'));
            foreach (var source in parts[..^1])
            {
                var from = RepositoryRoot.Combine(source.TrimEnd('/'));
                if (Directory.Exists(from)) CopyDirectory(from, destination);
                else
                {
                    Directory.CreateDirectory(destination);
                    File.Copy(from, Path.Combine(destination, Path.GetFileName(from)));
                }
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (!IgnoredDirectories.Contains(name)) CopyDirectory(directory, Path.Combine(to, name));
        }
    }
}
