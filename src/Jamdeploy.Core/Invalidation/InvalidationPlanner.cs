using Jamdeploy.Manifests;

namespace Jamdeploy.Invalidation;

/// <summary>
/// Which URLs the CDN must forget when the live release moves from <c>before</c> to <c>after</c>:
/// every added, changed and removed path, plus the URLs that serve the same file.
/// </summary>
public static class InvalidationPlanner
{
    public static IReadOnlyList<string> ChangedPaths(Manifest? before, Manifest after)
    {
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, entry) in after.Files)
            if (before is null || !before.Files.TryGetValue(path, out var old) || old != entry)
                changed.Add(path);
        if (before is not null)
            foreach (var path in before.Files.Keys)
                if (!after.Files.ContainsKey(path)) changed.Add(path);
        return [.. changed];
    }
}
