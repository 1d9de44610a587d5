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
    /// <summary>Folders that are never content: version control and jamdeploy's own state.</summary>
    public static readonly IReadOnlySet<string> AlwaysSkippedFolders = new HashSet<string>(StringComparer.Ordinal) { ".git", ".jamdeploy" };

    private readonly Regex[] _patterns;

    public IgnoreRules(IEnumerable<string> globs)
    {
        _patterns = [.. globs.Where(g => !string.IsNullOrWhiteSpace(g)).Select(ToRegex)];
    }

    public static IgnoreRules None { get; } = new([]);

    public bool IsIgnored(string relativePath) => _patterns.Any(p => p.IsMatch(relativePath));

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
