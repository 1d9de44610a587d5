using System.Collections.Immutable;
using Jamdeploy.Manifests;
using Jamdeploy.Rules;

namespace Jamdeploy.Invalidation;

/// <summary>
/// Which URLs the CDN must forget when the live release moves from <c>before</c> to <c>after</c> (deploy,
/// promote and rollback alike): every added, changed and removed file, plus the URLs that serve the same
/// file, reduced to wildcards only when the list would cost more than they do. A pure function, so
/// <c>--dry-run</c>, the flip and a later <c>jamdeploy invalidate</c> plan exactly the same paths.
/// </summary>
public static class InvalidationPlanner
{
    private const string Everything = "/";

    public static InvalidationPlan Plan(Manifest? before, Manifest after, InvalidationOptions options)
    {
        var changed = ChangedPaths(before, after);
        var rules = before is null
            ? (Urls: new SortedSet<string>(), Prefixes: new SortedSet<string>())
            : SiteRuleChanges.AffectedPaths(before, after, changed, file => Urls(file, options));
        if (changed.Count == 0 && rules.Urls.Count == 0 && rules.Prefixes.Count == 0) return InvalidationPlan.Nothing;
        if (before is null)
            // Nothing says what the CDN cached before (a first release, or one whose predecessor is gone): forget all of it, for one path.
            return Finish(changed, [], [Everything], "no earlier release to compare with: the whole site", options);

        var urls = new SortedSet<string>(changed.SelectMany(p => Urls(p, options)).Concat(rules.Urls), StringComparer.Ordinal);
        // A redirect rule with a * or :name answers every URL under its literal part: one wildcard covers them.
        var wildcards = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var prefix in rules.Prefixes)
            if (!wildcards.Any(w => prefix.StartsWith(w, StringComparison.Ordinal))) Collapse(urls, wildcards, prefix);
        var patterns = wildcards.Count;
        if (wildcards.Count > options.Limits.MaxWildcardsPerBatch)
            return Finish(changed, [], [Everything], $"more than {options.Limits.MaxWildcardsPerBatch} redirect patterns changed: the whole site", options);

        foreach (var directory in FullyChangedDirectories(urls, before.Files.Keys.Concat(after.Files.Keys), options))
            Collapse(urls, wildcards, directory);
        var directories = wildcards.Count - patterns;
        var reason = directories <= 0
            ? "every path listed"
            : directories == 1 ? $"{wildcards.Except(rules.Prefixes).First()} changed entirely: one wildcard"
            : $"{directories} directories changed entirely: one wildcard each";
        if (patterns > 0) reason += $"; {patterns} changed redirect pattern{(patterns == 1 ? "" : "s")}: one wildcard each";

        while (urls.Count + wildcards.Count > options.MaxPaths)
        {
            var directory = MostCrowdedDirectory(urls);
            if (directory is null || wildcards.Count >= options.Limits.MaxWildcardsPerBatch)
                return Finish(changed, [], [Everything], $"more than {options.MaxPaths} paths (Cdn:MaxPaths): the whole site", options);
            Collapse(urls, wildcards, directory);
            reason = $"more than {options.MaxPaths} paths (Cdn:MaxPaths): {wildcards.Count} directory wildcard{(wildcards.Count == 1 ? "" : "s")}";
        }
        return Finish(changed, urls, wildcards, reason, options);
    }

    /// <summary>The file paths (manifest keys) added, changed or removed between two releases, sorted.</summary>
    public static IReadOnlyList<string> ChangedPaths(Manifest? before, Manifest after)
    {
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, entry) in after.Files)
            if (before is null || !before.Files.TryGetValue(path, out var old) || !Serves(old, entry))
                changed.Add(path);
        if (before is not null)
            foreach (var path in before.Files.Keys)
                if (!after.Files.ContainsKey(path)) changed.Add(path);
        return [.. changed];
    }

    /// <summary>Every URL that answers with this file, with the default index document and clean URLs.</summary>
    public static IEnumerable<string> UrlsOf(string filePath) => Urls(filePath, Defaults);

    private static readonly InvalidationOptions Defaults = new();

    /// <summary>Every URL that answers with this file: itself, its directory for an index, its clean URL.</summary>
    private static IEnumerable<string> Urls(string filePath, InvalidationOptions options)
    {
        yield return filePath;
        if (filePath.EndsWith("/" + options.IndexDocument, StringComparison.Ordinal))
        {
            var directory = filePath[..^options.IndexDocument.Length];
            yield return directory;
            if (directory != "/") yield return directory[..^1];
        }
        else if (options.CleanUrls && filePath.EndsWith(".html", StringComparison.Ordinal) && filePath.Length > ".html".Length + 1
                 && filePath[^(".html".Length + 1)] != '/')
        {
            yield return filePath[..^".html".Length];
        }
    }

    /// <summary>The same bytes served the same way: a changed header is a change the CDN must see too.</summary>
    internal static bool Serves(ManifestEntry a, ManifestEntry b) =>
        a.Hash == b.Hash && a.ContentType == b.ContentType
        && (a.Headers ?? ImmutableSortedDictionary<string, string>.Empty).SequenceEqual(b.Headers ?? ImmutableSortedDictionary<string, string>.Empty)
        // Another set of codings changes what a client gets (gzip instead of the file, a Vary it did not have).
        && (a.Encodings?.Keys ?? []).SequenceEqual(b.Encodings?.Keys ?? []);

    /// <summary>Outermost directories (ending with <c>/</c>) whose every URL changed, with enough of them to matter.</summary>
    private static List<string> FullyChangedDirectories(SortedSet<string> changedUrls, IEnumerable<string> allFiles, InvalidationOptions options)
    {
        var candidates = CountUnder(changedUrls)
            .Where(kv => kv.Value >= options.MinPathsForDirectoryWildcard)
            .Select(kv => kv.Key)
            .ToHashSet(StringComparer.Ordinal);
        if (candidates.Count == 0) return [];

        // A candidate with any unchanged URL under it is out. Span lookups: no string per ancestor of every file.
        var changed = changedUrls.ToHashSet(StringComparer.Ordinal);
        var remaining = candidates.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var file in allFiles)
            foreach (var url in Urls(file, options))
                if (!changed.Contains(url))
                    for (var slash = url.IndexOf('/'); slash >= 0 && candidates.Count > 0; slash = url.IndexOf('/', slash + 1))
                        remaining.Remove(url.AsSpan(0, slash + 1));

        var chosen = new List<string>();
        foreach (var directory in candidates.OrderBy(d => d.Length).ThenBy(d => d, StringComparer.Ordinal))
            if (!chosen.Any(c => directory.StartsWith(c, StringComparison.Ordinal)))
                chosen.Add(directory);
        return chosen;
    }

    /// <summary>The directory whose wildcard removes the most paths; on a tie the deeper one, which invalidates less.</summary>
    private static string? MostCrowdedDirectory(SortedSet<string> urls) =>
        CountUnder(urls)
            .Where(kv => kv.Value > 1 && kv.Key != Everything)
            .OrderByDescending(kv => kv.Value)
            .ThenByDescending(kv => kv.Key.Length)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key)
            .FirstOrDefault();

    private static Dictionary<string, int> CountUnder(IEnumerable<string> urls)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var url in urls)
            foreach (var directory in Ancestors(url))
                counts[directory] = counts.GetValueOrDefault(directory) + 1;
        return counts;
    }

    /// <summary>
    /// The directories a wildcard could cover a URL with, each ending with <c>/</c>: <c>/a/b/c</c> → <c>/</c>,
    /// <c>/a/</c>, <c>/a/b/</c>; a directory URL is its own (<c>/a/*</c> covers <c>/a/</c>).
    /// </summary>
    private static IEnumerable<string> Ancestors(string url)
    {
        for (var slash = url.IndexOf('/'); slash >= 0; slash = url.IndexOf('/', slash + 1))
            yield return url[..(slash + 1)];
    }

    private static void Collapse(SortedSet<string> urls, SortedSet<string> wildcards, string directory)
    {
        urls.RemoveWhere(u => u.StartsWith(directory, StringComparison.Ordinal));
        wildcards.RemoveWhere(w => w.StartsWith(directory, StringComparison.Ordinal));
        wildcards.Add(directory);
    }

    private static InvalidationPlan Finish(IReadOnlyList<string> changed, IEnumerable<string> urls, IEnumerable<string> wildcardDirectories, string reason, InvalidationOptions options)
    {
        var paths = urls.Select(CdnPath.Encode)
            .Concat(wildcardDirectories.Select(CdnPath.Under))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new InvalidationPlan(changed, paths, InvalidationBatch.Split(paths, options.Limits), reason);
    }
}
