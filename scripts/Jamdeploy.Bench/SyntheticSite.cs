namespace Jamdeploy.Bench;

/// <summary>
/// A generated site shaped like a real one: many small pages and scripts, fewer images, a few large
/// media files. Seeded, so every run builds the same bytes.
/// </summary>
public static class SyntheticSite
{
    private static readonly (int Count, int MinBytes, int MaxBytes, string Folder, string Extension)[] Mix =
    [
        (5000, 2_000, 12_000, "posts", ".html"),
        (1500, 1_000, 30_000, "assets/js", ".js"),
        (500, 1_000, 20_000, "assets/css", ".css"),
        (2600, 10_000, 40_000, "img", ".webp"),
        (385, 100_000, 280_000, "img/large", ".jpg"),
        (15, 1_500_000, 2_500_000, "media", ".mp4"),
    ];

    public static int FileCount => Mix.Sum(m => m.Count);

    public static IReadOnlyList<string> Build(string root, int seed = 42)
    {
        var random = new Random(seed);
        var paths = new List<string>();
        foreach (var (count, min, max, folder, extension) in Mix)
        {
            for (var i = 0; i < count; i++)
            {
                var path = Path.Combine(root, folder, $"s{i % 50}", $"file{i}{extension}");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var bytes = new byte[random.Next(min, max)];
                random.NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                paths.Add(path);
            }
        }
        return paths;
    }

    /// <summary>Rewrites every 100th file: a 1% change.</summary>
    public static int ChangeOnePercent(IReadOnlyList<string> paths, int round)
    {
        var changed = 0;
        for (var i = round; i < paths.Count; i += 100)
        {
            File.AppendAllText(paths[i], $"\n<!-- change {round} -->");
            changed++;
        }
        return changed;
    }
}
