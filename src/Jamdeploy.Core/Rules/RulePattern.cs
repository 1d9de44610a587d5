namespace Jamdeploy.Rules;

/// <summary>
/// A path pattern of a site rule (a header rule's path, a redirect's <c>from</c>), compiled once: <c>/</c>-separated; a
/// segment <c>:name</c> matches one non-empty segment; one <c>*</c> anywhere matches any run of characters including
/// <c>/</c> (possibly none), captured as <c>splat</c>; a pattern ending <c>/*</c> also matches the path without that
/// trailing <c>/</c> (<c>/news/*</c> matches <c>/news</c>). Case-sensitive, against the decoded NFC path.
/// </summary>
/// <remarks>
/// Matching never backtracks: a placeholder is a whole segment, so it always ends at the next <c>/</c>, and what
/// follows the one <c>*</c> is matched from the end of the path. The cost is linear in the path, so a request costs
/// the same whatever the rules say (2,000 redirects are looked at on a miss).
/// </remarks>
public sealed class RulePattern
{
    public const string Splat = "splat";

    private readonly Token[] _head;
    private readonly Token[]? _tail;
    private readonly string _literalPrefix;

    private readonly bool _optionalTrailingSlash;

    private RulePattern(string text, Token[] head, Token[]? tail, bool optionalTrailingSlash)
    {
        _optionalTrailingSlash = optionalTrailingSlash;
        Text = text;
        _head = head;
        _tail = tail;
        _literalPrefix = head.Length > 0 && head[0].Placeholder is null ? head[0].Literal! : "";
        Names = [.. head.Concat(tail ?? []).Select(t => t.Placeholder).OfType<string>().Concat(tail is null ? [] : [Splat])];
    }

    /// <summary>The pattern as written in the rule.</summary>
    public string Text { get; }

    /// <summary>The names it captures (<c>splat</c> for the <c>*</c>).</summary>
    public IReadOnlyList<string> Names { get; }

    public bool HasWildcard => _tail is not null || _head.Any(t => t.Placeholder is not null);

    /// <summary>The part before the first <c>*</c> or <c>:name</c>: every path it matches starts with it.</summary>
    public string LiteralPrefix => _literalPrefix;

    /// <summary>Compiles a pattern that <see cref="SiteRulesParser"/> accepted (starts with <c>/</c>, at most one <c>*</c>).</summary>
    public static RulePattern Parse(string pattern)
    {
        var star = pattern.IndexOf('*');
        var head = Tokens(star < 0 ? pattern : pattern[..star]);
        var tail = star < 0 ? null : Tokens(pattern[(star + 1)..]);
        // "/news/*" also matches "/news": the trailing "/" is optional before an ending star.
        var optionalSlash = star > 1 && star == pattern.Length - 1 && pattern[star - 1] == '/';
        return new RulePattern(pattern, head, tail, optionalSlash);
    }

    /// <summary>True when <paramref name="path"/> matches; <paramref name="captures"/> then holds the values by name.</summary>
    public bool TryMatch(string path, out Dictionary<string, string>? captures)
    {
        captures = null;
        if (path.StartsWith(_literalPrefix, StringComparison.Ordinal) && MatchHead(path, ref captures, out var headEnd))
        {
            if (_tail is null) return headEnd == path.Length;
            if (MatchTail(path, headEnd, ref captures, out var tailStart)) return SetSplat(ref captures, path[headEnd..tailStart]);
            return false;
        }
        if (!_optionalTrailingSlash || path.EndsWith('/')) return false;
        // "/news" against "/news/*": the path with a "/" added is the whole head, placeholders included.
        captures = null;
        var folder = path + "/";
        return folder.StartsWith(_literalPrefix, StringComparison.Ordinal) && MatchHead(folder, ref captures, out var end)
            && end == folder.Length && SetSplat(ref captures, "");
    }

    /// <summary>Whether it matches, when the captured values are not needed.</summary>
    public bool IsMatch(string path) => TryMatch(path, out _);

    private bool MatchHead(string path, ref Dictionary<string, string>? captures, out int at)
    {
        at = 0;
        foreach (var token in _head)
        {
            if (token.Literal is { } literal)
            {
                if (at + literal.Length > path.Length || string.CompareOrdinal(path, at, literal, 0, literal.Length) != 0) return false;
                at += literal.Length;
                continue;
            }
            var end = path.IndexOf('/', at);
            if (end < 0) end = path.Length;
            if (end == at) return false;
            (captures ??= new(StringComparer.Ordinal))[token.Placeholder!] = path[at..end];
            at = end;
        }
        return true;
    }

    /// <summary>The tokens after the star, matched backwards from the end of the path; never before <paramref name="headEnd"/>.</summary>
    private bool MatchTail(string path, int headEnd, ref Dictionary<string, string>? captures, out int start)
    {
        start = path.Length;
        for (var i = _tail!.Length - 1; i >= 0; i--)
        {
            var token = _tail[i];
            if (token.Literal is { } literal)
            {
                if (start - literal.Length < headEnd || string.CompareOrdinal(path, start - literal.Length, literal, 0, literal.Length) != 0) return false;
                start -= literal.Length;
                continue;
            }
            if (start == 0) return false;
            var slash = path.LastIndexOf('/', start - 1);
            if (slash + 1 < headEnd || slash + 1 == start) return false;
            (captures ??= new(StringComparer.Ordinal))[token.Placeholder!] = path[(slash + 1)..start];
            start = slash + 1;
        }
        return true;
    }

    private static bool SetSplat(ref Dictionary<string, string>? captures, string value)
    {
        (captures ??= new(StringComparer.Ordinal))[Splat] = value;
        return true;
    }

    /// <summary>Literal runs and <c>:name</c> segments (a <c>:</c> starts a placeholder only where a segment starts).</summary>
    private static Token[] Tokens(string text)
    {
        var tokens = new List<Token>();
        var literalStart = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] != ':' || text[i - 1] != '/') continue;
            var end = text.IndexOf('/', i);
            if (end < 0) end = text.Length;
            if (i > literalStart) tokens.Add(new Token(text[literalStart..i], null));
            tokens.Add(new Token(null, text[(i + 1)..end]));
            literalStart = end;
            i = end;
        }
        if (literalStart < text.Length) tokens.Add(new Token(text[literalStart..], null));
        return [.. tokens];
    }

    public override string ToString() => Text;

    private readonly record struct Token(string? Literal, string? Placeholder);
}
