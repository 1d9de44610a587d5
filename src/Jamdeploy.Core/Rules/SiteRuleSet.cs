using System.Text.RegularExpressions;
using Jamdeploy.Manifests;

namespace Jamdeploy.Rules;

/// <summary>
/// Where a redirect rule sends a request: a site path (decoded, with the request's captures substituted; the edge
/// encodes it) with the query <c>to</c> wrote, or an absolute URL (encoded). A null <see cref="Query"/> means
/// <c>to</c> has none, so the request's own query goes on.
/// </summary>
public sealed record RedirectMatch(RedirectRule Rule, string? SitePath, string? Query, string? Url);

/// <summary>
/// One release's site rules, compiled for requests: the effective headers of a request path and the redirect that
/// applies to it. The one matcher: <c>jamdeploy serve</c> answers with it and the invalidation planner diffs with it.
/// </summary>
public sealed partial class SiteRuleSet
{
    private readonly (RulePattern Pattern, HeaderRule Rule)[] _headers;
    private readonly (RulePattern Pattern, RedirectRule Rule)[] _redirects;
    private readonly bool _hasForced;

    private SiteRuleSet(SiteRules? rules)
    {
        _headers = rules is null ? [] : [.. rules.Headers.Select(r => (RulePattern.Parse(r.Path), r))];
        _redirects = rules is null ? [] : [.. rules.Redirects.Select(r => (RulePattern.Parse(RedirectSource(r.From)), r))];
        _hasForced = _redirects.Any(r => r.Rule.Force);
    }

    public static SiteRuleSet Empty { get; } = new(null);

    public static SiteRuleSet From(SiteRules? rules) => rules is null ? Empty : new SiteRuleSet(rules);

    /// <summary>
    /// The headers every matching header rule sets for <paramref name="path"/>, in rule order; a header several rules
    /// set has their values joined with <c>", "</c> (names compare case-insensitively; the first spelling is kept).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> HeadersFor(string path)
    {
        if (_headers.Length == 0) return [];
        List<KeyValuePair<string, string>>? result = null;
        foreach (var (pattern, rule) in _headers)
        {
            if (!pattern.IsMatch(path)) continue;
            result ??= [];
            foreach (var (name, value) in rule.Headers)
            {
                var at = result.FindIndex(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (at < 0) result.Add(KeyValuePair.Create(name, value));
                else result[at] = KeyValuePair.Create(result[at].Key, result[at].Value + ", " + value);
            }
        }
        return result ?? [];
    }

    /// <summary>
    /// The first redirect rule (of the forced ones, or of the others) whose <c>from</c> matches <paramref name="path"/>;
    /// a trailing <c>/</c> of the path is ignored, so <c>/old/</c> is <c>/old</c>.
    /// </summary>
    public RedirectMatch? RedirectFor(string path, bool forced)
    {
        if (_redirects.Length == 0 || (forced && !_hasForced)) return null;
        var source = RedirectSource(path);
        foreach (var (pattern, rule) in _redirects)
        {
            if (rule.Force != forced || !pattern.TryMatch(source, out var captures)) continue;
            return Destination(rule, captures);
        }
        return null;
    }

    /// <summary>The path a redirect's <c>from</c> is matched against: without a trailing <c>/</c>, except the root.</summary>
    public static string RedirectSource(string path) => path.Length > 1 && path.EndsWith('/') ? path[..^1] : path;

    /// <summary>Whether <paramref name="to"/> is an absolute http(s) URL rather than a site path.</summary>
    public static bool IsUrl(string to) =>
        to.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || to.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>:name</c> placeholders a <c>to</c> uses (<c>:splat</c> included).</summary>
    public static IEnumerable<string> PlaceholdersIn(string to) => Placeholder().Matches(to).Select(m => m.Groups[1].Value);

    private static RedirectMatch Destination(RedirectRule rule, Dictionary<string, string>? captures)
    {
        var to = rule.To;
        if (IsUrl(to))
        {
            var url = Substitute(to, captures, EncodeValue);
            return new RedirectMatch(rule, null, null, url);
        }
        var queryAt = to.IndexOf('?');
        var path = Substitute(queryAt < 0 ? to : to[..queryAt], captures, value => value);
        var query = queryAt < 0 ? null : Substitute(to[queryAt..], captures, value => Uri.EscapeDataString(value));
        return new RedirectMatch(rule, path, query, null);
    }

    private static string Substitute(string text, Dictionary<string, string>? captures, Func<string, string> encode) =>
        captures is null || !text.Contains(':')
            ? text
            : Placeholder().Replace(text, m => captures.TryGetValue(m.Groups[1].Value, out var value) ? encode(value) : m.Value);

    /// <summary>A captured path value inside a URL: every byte but unreserved characters and <c>/</c> percent-encoded.</summary>
    private static string EncodeValue(string value) => string.Join('/', value.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex(":([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
