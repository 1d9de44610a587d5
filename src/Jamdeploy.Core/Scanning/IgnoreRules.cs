using System.IO.Enumeration;
using System.Text;
using System.Text.RegularExpressions;

namespace Jamdeploy.Scanning;

/// <summary>
/// Glob patterns for files that are never deployed, matched against the path relative to the deploy
/// folder: <c>*</c> stays within a folder, <c>**</c> crosses folders, <c>?</c> is one character. A
/// pattern without a <c>/</c> matches the name at any depth, as in .gitignore.
/// </summary>
public sealed class IgnoreRules
{
    /// <summary>
    /// Names that are never content, whatever they are (a folder, a link, the <c>.git</c> file of a submodule) and
    /// wherever a link reaches them from: version control and jamdeploy's own state.
    /// </summary>
    public static readonly IReadOnlySet<string> AlwaysSkippedFolders = new HashSet<string>(StringComparer.Ordinal) { ".git", ".jamdeploy" };

    private readonly string[] _namePatterns;
    private readonly Regex[] _pathPatterns;

    public IgnoreRules(IEnumerable<string> globs)
    {
        var patterns = globs.Where(g => !string.IsNullOrWhiteSpace(g)).Select(g => g.Trim()).ToList();
        // The usual patterns (.DS_Store, *.swp) name a file at any depth: matching them against each name
        // of the path is a tenth of the cost of a regex, which the scan pays for every file of the site.
        _namePatterns = [.. patterns.Where(IsNamePattern)];
        _pathPatterns = [.. patterns.Where(p => !IsNamePattern(p)).Select(ToRegex)];
    }

    public static IgnoreRules None { get; } = new([]);

    public bool IsIgnored(string relativePath)
    {
        if (_namePatterns.Length > 0)
            foreach (var segment in relativePath.AsSpan().Split('/'))
                foreach (var pattern in _namePatterns)
                    if (FileSystemName.MatchesSimpleExpression(pattern, relativePath.AsSpan(segment), ignoreCase: false)) return true;
        foreach (var pattern in _pathPatterns)
            if (pattern.IsMatch(relativePath)) return true;
        return false;
    }

    /// <summary>No folder part and only <c>*</c> and <c>?</c>, which mean the same in a name as in .NET's simple expressions.</summary>
    private static bool IsNamePattern(string glob) => glob.IndexOfAny(['/', '\\']) < 0 && !glob.Contains("**", StringComparison.Ordinal);

    private static Regex ToRegex(string glob)
    {
        var pattern = glob.Trim().TrimStart('/');
        var anyDepth = !glob.Trim().Contains('/');
        var regex = new StringBuilder(anyDepth ? "^(?:.*/)?" : "^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slashFollows = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slashFollows ? "(?:.*/)?" : ".*");
                i += slashFollows ? 2 : 1;
            }
            else if (c == '*') regex.Append("[^/]*");
            else if (c == '?') regex.Append("[^/]");
            else regex.Append(Regex.Escape(c.ToString()));
        }
        regex.Append("(?:/.*)?$");
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant);
    }
}
