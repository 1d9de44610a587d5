using System.Collections.Immutable;
using Jamdeploy.Manifests;

namespace Jamdeploy.Rules;

public enum RuleKind { Header, Redirect }

public enum RuleChangeKind { Added, Removed, Reordered }

/// <summary>A site rule a release adds or drops against the live one (or the order of redirects it changes), for a dry run.</summary>
public sealed record RuleChange(RuleKind Kind, RuleChangeKind Change, string Rule)
{
    /// <summary>The human line of a dry run.</summary>
    public string Line() => Change switch
    {
        RuleChangeKind.Reordered => $"  reorder {(Kind == RuleKind.Header ? "header rules" : "redirects")} ({Rule})",
        _ => $"  {(Change == RuleChangeKind.Added ? "add" : "remove"),-6} {(Kind == RuleKind.Header ? "header rule" : "redirect")} {Rule}",
    };
}

/// <summary>
/// What changes between two releases' rules: the rules added, removed or reordered (for people), and the URLs whose
/// answers change with them (for the invalidation planner): those whose effective headers differ, and what the
/// <c>from</c> of every added, removed or reordered redirect covers, or of a rewrite whose target file changed.
/// </summary>
public static class SiteRuleChanges
{
    public static IReadOnlyList<RuleChange> Between(SiteRules? before, SiteRules? after)
    {
        var changes = new List<RuleChange>();
        Diff(before?.Headers ?? [], after?.Headers ?? [], HeaderRuleEquality.Instance, RuleKind.Header, Describe, changes);
        Diff(before?.Redirects ?? [], after?.Redirects ?? [], EqualityComparer<RedirectRule>.Default, RuleKind.Redirect, Describe, changes);
        return changes;
    }

    /// <summary>
    /// The URLs (exact) and URL prefixes (CDN wildcards) whose answers the rule change between <paramref name="before"/>
    /// and <paramref name="after"/> may change. <paramref name="changedFiles"/> are the files whose content changed:
    /// a rewrite to one of them changes what every URL it rewrites serves. <paramref name="urlsOf"/> gives a file's URLs.
    /// </summary>
    public static (IReadOnlySet<string> Urls, IReadOnlySet<string> Prefixes) AffectedPaths(
        Manifest before, Manifest after, IReadOnlyList<string> changedFiles, Func<string, IEnumerable<string>> urlsOf)
    {
        var urls = new SortedSet<string>(StringComparer.Ordinal);
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        if (before.Rules is null && after.Rules is null) return (urls, prefixes);
        var old = SiteRuleSet.From(before.Rules);
        var now = SiteRuleSet.From(after.Rules);

        var headers = (Before: before.Rules?.Headers ?? [], After: after.Rules?.Headers ?? []);
        var headersChanged = !headers.Before.AsSpan().SequenceEqual(headers.After.AsSpan(), HeaderRuleEquality.Instance);
        if (headersChanged)
        {
            foreach (var file in before.Files.Keys.Union(after.Files.Keys))
                foreach (var url in urlsOf(file))
                    if (!SameHeaders(old.HeadersFor(url), now.HeadersFor(url))) urls.Add(url);
        }

        var redirects = (Before: before.Rules?.Redirects ?? [], After: after.Rules?.Redirects ?? []);
        foreach (var rule in ChangedRedirects(redirects.Before, redirects.After)) Cover(rule.From, urls, prefixes);
        // What a rewrite or 404 rule serves changes with its target file, and its headers with the header rules.
        var changed = changedFiles.ToHashSet(StringComparer.Ordinal);
        foreach (var rule in redirects.Before.Concat(redirects.After).Where(r => r.Status is 200 or 404))
            if (headersChanged || TargetChanged(rule.To, changed))
                Cover(rule.From, urls, prefixes);
        return (urls, prefixes);
    }

    /// <summary>
    /// The URLs a <c>from</c> answers: itself and with a trailing <c>/</c>, or, with a <c>*</c> or <c>:name</c>,
    /// everything under the part before it (<c>/news/*</c> also answers <c>/news</c>).
    /// </summary>
    private static void Cover(string from, SortedSet<string> urls, SortedSet<string> prefixes)
    {
        var pattern = RulePattern.Parse(from);
        if (!pattern.HasWildcard)
        {
            urls.Add(from);
            if (from != "/") urls.Add(from + "/");
            return;
        }
        prefixes.Add(pattern.LiteralPrefix);
        if (from.EndsWith("/*", StringComparison.Ordinal) && from.Length > 2 && pattern.LiteralPrefix == from[..^1]) urls.Add(from[..^2]);
    }

    private static bool TargetChanged(string to, HashSet<string> changed)
    {
        if (SiteRuleSet.IsUrl(to)) return false;
        var path = to.Split('?')[0];
        var placeholder = path.IndexOf(':');
        if (placeholder >= 0)
        {
            var prefix = path[..placeholder];
            return changed.Any(f => f.StartsWith(prefix, StringComparison.Ordinal));
        }
        return path.EndsWith('/')
            ? changed.Contains(path + "index.html")
            : changed.Contains(path) || changed.Contains(path + ".html") || changed.Contains(path + "/index.html");
    }

    /// <summary>Redirects in one list and not the other, and, among those in both, the ones whose order changed.</summary>
    private static IEnumerable<RedirectRule> ChangedRedirects(ImmutableArray<RedirectRule> before, ImmutableArray<RedirectRule> after)
    {
        var removed = Remaining(before, after);
        var added = Remaining(after, before);
        var keptBefore = Without(before, removed);
        var keptAfter = Without(after, added);
        var firstMoved = 0;
        while (firstMoved < keptBefore.Count && keptBefore[firstMoved] == keptAfter[firstMoved]) firstMoved++;
        // First match wins: once the order differs, each rule from there on may now answer what another did.
        return removed.Concat(added).Concat(keptAfter.Skip(firstMoved));
    }

    private static void Diff<T>(ImmutableArray<T> before, ImmutableArray<T> after, IEqualityComparer<T> equality, RuleKind kind, Func<T, string> describe, List<RuleChange> changes)
    {
        var removed = Remaining(before, after, equality);
        var added = Remaining(after, before, equality);
        changes.AddRange(removed.Select(r => new RuleChange(kind, RuleChangeKind.Removed, describe(r))));
        changes.AddRange(added.Select(r => new RuleChange(kind, RuleChangeKind.Added, describe(r))));
        var keptBefore = Without(before, removed, equality);
        var keptAfter = Without(after, added, equality);
        if (!keptBefore.SequenceEqual(keptAfter, equality))
            changes.Add(new RuleChange(kind, RuleChangeKind.Reordered, string.Join(", ", keptAfter.Select(describe))));
    }

    /// <summary>The items of <paramref name="items"/> that <paramref name="other"/> does not have (as a multiset).</summary>
    private static List<T> Remaining<T>(ImmutableArray<T> items, ImmutableArray<T> other, IEqualityComparer<T>? equality = null)
    {
        var pool = other.ToList();
        var left = new List<T>();
        foreach (var item in items)
        {
            var at = pool.FindIndex(o => (equality ?? EqualityComparer<T>.Default).Equals(o, item));
            if (at < 0) left.Add(item);
            else pool.RemoveAt(at);
        }
        return left;
    }

    private static List<T> Without<T>(ImmutableArray<T> items, List<T> drop, IEqualityComparer<T>? equality = null)
    {
        var pool = drop.ToList();
        var kept = new List<T>();
        foreach (var item in items)
        {
            var at = pool.FindIndex(d => (equality ?? EqualityComparer<T>.Default).Equals(d, item));
            if (at < 0) kept.Add(item);
            else pool.RemoveAt(at);
        }
        return kept;
    }

    private static bool SameHeaders(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b) =>
        a.Count == b.Count && a.All(h => b.Any(o => o.Key.Equals(h.Key, StringComparison.OrdinalIgnoreCase) && o.Value == h.Value));

    private static string Describe(HeaderRule rule) => $"{rule.Path} {string.Join("; ", rule.Headers.Select(h => $"{h.Key}: {h.Value}"))}";

    private static string Describe(RedirectRule rule) => $"{rule.From} {rule.To} {rule.Status}{(rule.Force ? "!" : "")}";

    private sealed class HeaderRuleEquality : IEqualityComparer<HeaderRule>
    {
        public static readonly HeaderRuleEquality Instance = new();

        public bool Equals(HeaderRule? x, HeaderRule? y) =>
            x is not null && y is not null && x.Path == y.Path && x.Headers.SequenceEqual(y.Headers);

        public int GetHashCode(HeaderRule obj) => obj.Path.GetHashCode(StringComparison.Ordinal);
    }
}
