using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Jamdeploy.Manifests;
using Jamdeploy.Model;

namespace Jamdeploy.Rules;

/// <summary>A rule and where it was written (<c>public/_redirects:7</c>, <c>jamdeploy.json: Site:Redirects:2</c>), for the error that names it.</summary>
public sealed record Sourced<T>(T Rule, string Where);

/// <summary>
/// A deploy's site rules: the file rules first, then jamdeploy.json's, as the release stores them, each with where it
/// was written.
/// </summary>
public sealed record ParsedSiteRules(IReadOnlyList<Sourced<HeaderRule>> Headers, IReadOnlyList<Sourced<RedirectRule>> Redirects)
{
    /// <summary>What the manifest stores: null when there are no rules, so a site without any keeps manifest format 1 and its digest.</summary>
    public SiteRules? Rules => Headers.Count == 0 && Redirects.Count == 0
        ? null
        : new SiteRules([.. Headers.Select(h => h.Rule)], [.. Redirects.Select(r => r.Rule)]);

    /// <summary>
    /// Refuses (exit 2, naming the rule that tips it over) when the rule headers of an answer at any of
    /// <paramref name="urls"/> would exceed <see cref="SiteRuleLimits.MaxHeaderBytesPerResponse"/>.
    /// </summary>
    public void CheckResponseSizes(IEnumerable<string> urls)
    {
        if (Headers.Count == 0) return;
        var patterns = Headers.Select(h => (Pattern: RulePattern.Parse(h.Rule.Path), h)).ToArray();
        var sizes = Headers.Select(h => h.Rule.Headers.Sum(kv => kv.Key.Length + kv.Value.Length + 4)).ToArray();
        foreach (var url in urls)
        {
            var total = 0;
            for (var i = 0; i < patterns.Length; i++)
            {
                if (!patterns[i].Pattern.IsMatch(url)) continue;
                total += sizes[i];
                if (total > SiteRuleLimits.MaxHeaderBytesPerResponse)
                    throw new UsageException(Invariant(
                        $"{Headers[i].Where}: with this rule, {url} gets {total:N0} bytes of rule headers; an answer may carry at most {SiteRuleLimits.MaxHeaderBytesPerResponse:N0}"));
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads <c>_headers</c> and <c>_redirects</c> (the syntax Netlify and Cloudflare Pages document) and jamdeploy.json's
/// <c>Site:Headers</c> / <c>Site:Redirects</c> into <see cref="SiteRules"/>, and refuses at deploy what the edges
/// could not serve as written: the first bad line is a <see cref="UsageException"/> (exit 2) naming file and line.
/// Paths are stored decoded and in NFC (as requests are matched), a redirect's <c>from</c> without a trailing <c>/</c>.
/// </summary>
public static class SiteRulesParser
{
    public const string HeadersFileName = "_headers";
    public const string RedirectsFileName = "_redirects";
    public const int DefaultStatus = 301;
    private const string ConfigFile = "jamdeploy.json";

    public static readonly IReadOnlyList<int> Statuses = [200, 301, 302, 303, 307, 308, 404];

    /// <summary>
    /// Headers the edges own (framing, validators, negotiation, redirects) or that CloudFront and Lambda@Edge refuse to
    /// let an origin function set (its disallowed and read-only headers): a rule may not set them. Cache-Control is
    /// allowed: a rule's replaces the default rule.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Content-Type", "Content-Encoding", "Content-Range", "Transfer-Encoding", "Connection", "ETag",
        "Accept-Ranges", "Vary", "Location", "Keep-Alive", "Upgrade", "Trailer", "Via", "X-Cache", "Expect",
        "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "X-Forwarded-Proto", "X-Real-IP",
    };

    /// <summary>Reserved families: CloudFront's own, and the edge's (<c>X-Jamdeploy-Release</c>).</summary>
    public static readonly IReadOnlyList<string> ReservedHeaderPrefixes = ["x-amz-cf-", "x-edge-", "x-accel-", "x-jamdeploy-"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsReserved(string header) =>
        ReservedHeaders.Contains(header) || ReservedHeaderPrefixes.Any(p => header.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The rules of a deploy: <paramref name="headersFile"/> and <paramref name="redirectsFile"/> (full paths, or null
    /// when the folder has none; <paramref name="folder"/> is how the user named the folder, for messages), then the
    /// configured ones. Refuses a bad line and rules over <see cref="SiteRuleLimits"/>.
    /// </summary>
    public static ParsedSiteRules Read(
        string folder, string? headersFile, string? redirectsFile,
        IReadOnlyList<HeaderRuleSetting> configuredHeaders, IReadOnlyList<RedirectRuleSetting> configuredRedirects)
    {
        var headers = new List<Sourced<HeaderRule>>();
        var redirects = new List<Sourced<RedirectRule>>();
        if (headersFile is not null) headers.AddRange(ParseHeaders(ReadText(headersFile, Shown(folder, HeadersFileName)), Shown(folder, HeadersFileName)));
        if (redirectsFile is not null) redirects.AddRange(ParseRedirects(ReadText(redirectsFile, Shown(folder, RedirectsFileName)), Shown(folder, RedirectsFileName)));
        for (var i = 0; i < configuredHeaders.Count; i++)
            headers.Add(Configured(configuredHeaders[i], $"{ConfigFile}: Site:Headers:{i}"));
        for (var i = 0; i < configuredRedirects.Count; i++)
            redirects.Add(Configured(configuredRedirects[i], $"{ConfigFile}: Site:Redirects:{i}"));
        if (headers.Count > SiteRuleLimits.MaxHeaderRules)
            throw new UsageException($"{headers[SiteRuleLimits.MaxHeaderRules].Where}: more than {SiteRuleLimits.MaxHeaderRules} header rules (files and {ConfigFile} together); merge rules that share headers");
        if (redirects.Count > SiteRuleLimits.MaxRedirects)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{redirects[SiteRuleLimits.MaxRedirects].Where}: more than {SiteRuleLimits.MaxRedirects:N0} redirect rules (files and {ConfigFile} together); use a splat or a placeholder to cover many paths with one rule"));
        return new ParsedSiteRules(headers, redirects);
    }

    /// <summary>The rules of a <c>_headers</c> text: a path line, then its indented <c>Name: value</c> lines.</summary>
    public static IReadOnlyList<Sourced<HeaderRule>> ParseHeaders(string text, string file)
    {
        var rules = new List<Sourced<HeaderRule>>();
        string? path = null;
        string? where = null;
        var values = new List<KeyValuePair<string, string>>();
        var number = 0;
        foreach (var raw in Lines(text))
        {
            number++;
            var at = $"{file}:{number}";
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (char.IsWhiteSpace(raw[0]))
            {
                if (path is null) throw new UsageException($"{at}: a header line before any path; start with the path it applies to (for example /*)");
                if (raw.Length > SiteRuleLimits.MaxHeaderLineLength)
                    throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{at}: the line is {raw.Length:N0} characters long; a header line may have at most {SiteRuleLimits.MaxHeaderLineLength:N0}"));
                if (line.StartsWith('!')) throw new UsageException($"{at}: removing a header ('{line}') is not supported; leave the header out of the rules instead");
                var colon = line.IndexOf(':');
                if (colon < 0) throw new UsageException($"{at}: '{Short(line)}' is not a header line (Name: value)");
                values.Add(Header(line[..colon].Trim(), line[(colon + 1)..].Trim(), at));
                continue;
            }
            Flush();
            if (!line.StartsWith('/') && line.Contains(':') && !SiteRuleSet.IsUrl(line))
                throw new UsageException($"{at}: '{Short(line)}' is not a path; indent header lines under the path they apply to");
            if (line.Any(char.IsWhiteSpace))
                throw new UsageException($"{at}: '{Short(line)}' is not a path: a path line holds one path, and header lines under it are indented");
            path = Pattern(line, at, isRedirect: false);
            where = at;
        }
        Flush();
        return rules;

        void Flush()
        {
            // A path with no header under it sets nothing: nothing to keep.
            if (path is not null && values.Count > 0) rules.Add(new Sourced<HeaderRule>(new HeaderRule(path, Collect(values)), where!));
            path = null;
            values.Clear();
        }
    }

    /// <summary>The rules of a <c>_redirects</c> text: <c>from to [status][!]</c> a line.</summary>
    public static IReadOnlyList<Sourced<RedirectRule>> ParseRedirects(string text, string file)
    {
        var rules = new List<Sourced<RedirectRule>>();
        var number = 0;
        foreach (var raw in Lines(text))
        {
            number++;
            var at = $"{file}:{number}";
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2) throw new UsageException($"{at}: '{Short(line)}' has no target; write `from to [status]`");
            if (fields.Length > 2 && IsCondition(fields[1]))
                throw new UsageException($"{at}: query conditions ('{Short(fields[1])}') are not supported; write `from to [status][!]`");
            var status = DefaultStatus;
            var force = false;
            if (fields.Length >= 3)
            {
                var token = fields[2];
                force = token.EndsWith('!');
                if (force) token = token[..^1];
                if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out status))
                    throw new UsageException(IsCondition(fields[2])
                        ? $"{at}: conditions ('{Short(fields[2])}') are not supported; write `from to [status][!]`"
                        : $"{at}: '{Short(fields[2])}' is not a status; write one of {string.Join(", ", Statuses)}, with ! to force");
            }
            if (fields.Length > 3)
                throw new UsageException($"{at}: conditions ('{Short(string.Join(' ', fields[3..]))}') are not supported; write `from to [status][!]`");
            rules.Add(new Sourced<RedirectRule>(Redirect(fields[0], fields[1], status, force, at), at));
        }
        return rules;
    }

    private static Sourced<HeaderRule> Configured(HeaderRuleSetting setting, string at)
    {
        if (string.IsNullOrWhiteSpace(setting.Path)) throw new UsageException($"{at}: a header rule needs a Path (for example \"/*\")");
        if (setting.Headers.Count == 0) throw new UsageException($"{at}: a header rule needs Headers ({{\"Name\": \"value\"}})");
        var path = Pattern(setting.Path, at, isRedirect: false);
        var values = setting.Headers.Select(kv =>
        {
            if (kv.Key.Length + kv.Value.Length + 2 > SiteRuleLimits.MaxHeaderLineLength)
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"{at}: header {kv.Key} is {kv.Key.Length + kv.Value.Length + 2:N0} characters long as a line; at most {SiteRuleLimits.MaxHeaderLineLength:N0}"));
            return Header(kv.Key, kv.Value.Trim(), at);
        }).ToList();
        return new Sourced<HeaderRule>(new HeaderRule(path, Collect(values)), at);
    }

    private static Sourced<RedirectRule> Configured(RedirectRuleSetting setting, string at)
    {
        if (string.IsNullOrWhiteSpace(setting.From)) throw new UsageException($"{at}: a redirect needs From (the path it answers)");
        if (string.IsNullOrWhiteSpace(setting.To)) throw new UsageException($"{at}: a redirect needs To (a path or an http(s) URL)");
        return new Sourced<RedirectRule>(Redirect(setting.From.Trim(), setting.To.Trim(), setting.Status, setting.Force, at), at);
    }

    private static RedirectRule Redirect(string from, string to, int status, bool force, string at)
    {
        if (!Statuses.Contains(status))
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{at}: status {status} is not supported; use one of {string.Join(", ", Statuses)}"));
        if (from.Length + to.Length > SiteRuleLimits.MaxRedirectLength)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{at}: from and to are {from.Length + to.Length:N0} characters long; a redirect may have at most {SiteRuleLimits.MaxRedirectLength:N0}"));
        var pattern = Pattern(from, at, isRedirect: true);
        var captured = RulePattern.Parse(pattern).Names;
        string target;
        if (SiteRuleSet.IsUrl(to))
        {
            if (status is 200 or 404)
                throw new UsageException($"{at}: a {(status == 200 ? "rewrite (200)" : "404 rule")} serves a file of this site, not '{Short(to)}'; redirect to another site with 301, 302, 303, 307 or 308");
            if (!Uri.TryCreate(to, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host) || to.Any(c => c <= ' ' || c >= 0x7F))
                throw new UsageException($"{at}: '{Short(to)}' is not a valid URL (percent-encode spaces and other characters a URL cannot hold)");
            target = to;
        }
        else
        {
            if (!to.StartsWith('/') || to.StartsWith("//", StringComparison.Ordinal))
                throw new UsageException($"{at}: '{Short(to)}' is neither a path of this site (starting with one /) nor an http(s) URL");
            if (to.Contains('#')) throw new UsageException($"{at}: '{Short(to)}' has a fragment (#); redirects keep no fragment");
            var queryAt = to.IndexOf('?');
            if (queryAt >= 0 && status is 200 or 404)
                throw new UsageException($"{at}: '{Short(to)}' has a query; a {(status == 200 ? "rewrite (200)" : "404 rule")} serves a file, which takes none");
            if (to.Contains('*')) throw new UsageException($"{at}: '{Short(to)}' has a *; write :splat for what the * of from matched");
            var path = Decode(queryAt < 0 ? to : to[..queryAt], at);
            if (!SitePaths.HasOnlyNamedSegments(path)) throw new UsageException($"{at}: '{Short(to)}' has an empty, '.' or '..' folder name");
            target = queryAt < 0 ? path : path + to[queryAt..];
        }
        foreach (var name in SiteRuleSet.PlaceholdersIn(target))
            if (!captured.Contains(name))
                throw new UsageException(name == RulePattern.Splat
                    ? $"{at}: '{Short(to)}' uses :splat but from ('{Short(from)}') has no *"
                    : $"{at}: '{Short(to)}' uses :{name}, which from ('{Short(from)}') does not capture");
        return new RedirectRule(pattern, target, status, force);
    }

    /// <summary>A header rule's path or a redirect's <c>from</c>, checked and stored decoded in NFC.</summary>
    private static string Pattern(string text, string at, bool isRedirect)
    {
        var what = isRedirect ? "from" : "path";
        if (SiteRuleSet.IsUrl(text))
            throw new UsageException($"{at}: '{Short(text)}' names a host; rules for other hosts are not supported, write a {what} starting with /");
        if (!text.StartsWith('/')) throw new UsageException($"{at}: '{Short(text)}' is not a path (it must start with /)");
        if (text.Contains('?'))
            throw new UsageException(isRedirect
                ? $"{at}: '{Short(text)}' has a query; query conditions are not supported"
                : $"{at}: '{Short(text)}' has a query; a header rule matches paths only");
        if (text.Contains('#')) throw new UsageException($"{at}: '{Short(text)}' has a fragment (#), which no request carries");
        var path = Decode(text, at);
        if (path.Count(c => c == '*') > 1) throw new UsageException($"{at}: '{Short(text)}' has more than one *; a {what} may have one");
        if (!SitePaths.HasOnlyNamedSegments(path)) throw new UsageException($"{at}: '{Short(text)}' has an empty, '.' or '..' folder name, which no request has");
        if (SitePaths.IsReserved(path)) throw new UsageException($"{at}: '{Short(text)}' is under {SitePaths.ReservedPrefix}/, which the edges keep for themselves");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var segment in path.Split('/'))
        {
            if (!segment.StartsWith(':')) continue;
            var name = segment[1..];
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new UsageException($"{at}: '{Short(segment)}' is not a placeholder: write a whole folder name :name (letters, digits, _)");
            if (name == RulePattern.Splat) throw new UsageException($"{at}: :splat is what * captures; name the placeholder otherwise");
            if (!names.Add(name)) throw new UsageException($"{at}: :{name} appears twice in '{Short(text)}'");
        }
        return isRedirect ? SiteRuleSet.RedirectSource(path) : path;
    }

    private static KeyValuePair<string, string> Header(string name, string value, string at)
    {
        if (name.Length == 0 || !name.All(IsTokenChar)) throw new UsageException($"{at}: '{Short(name)}' is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
        if (IsReserved(name))
            throw new UsageException(name.Equals("Location", StringComparison.OrdinalIgnoreCase)
                ? $"{at}: {name} is set by the edges; write a redirect in _redirects instead"
                : $"{at}: {name} is set by the edges (or CloudFront) and cannot be set by a rule");
        if (value.Length == 0) throw new UsageException($"{at}: {name} has no value");
        if (value.Any(c => (c < ' ' && c != '\t') || c >= 0x7F))
            throw new UsageException($"{at}: the value of {name} holds a character a header cannot carry (only printable ASCII)");
        return KeyValuePair.Create(name, value);
    }

    /// <summary>One rule's headers; a name given twice (in any case) gets its values joined, as when two rules set it.</summary>
    private static ImmutableSortedDictionary<string, string> Collect(IEnumerable<KeyValuePair<string, string>> values)
    {
        var joined = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in values)
        {
            var at = joined.FindIndex(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (at < 0) joined.Add(KeyValuePair.Create(name, value));
            else joined[at] = KeyValuePair.Create(joined[at].Key, joined[at].Value + ", " + value);
        }
        return joined.ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    /// <summary>Percent-escapes decoded (strict UTF-8; an encoded <c>/</c> refused), then NFC: requests are matched decoded.</summary>
    private static string Decode(string text, string at)
    {
        string decoded;
        if (!text.Contains('%'))
        {
            decoded = text;
        }
        else
        {
            var bytes = new List<byte>(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] != '%')
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
                    continue;
                }
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                    throw new UsageException($"{at}: '{Short(text)}' has a % that is not a %XX escape");
                var b = byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (b == '/') throw new UsageException($"{at}: '{Short(text)}' has an encoded / (%2F), which the edges refuse in requests");
                bytes.Add(b);
                i += 2;
            }
            try
            {
                decoded = StrictUtf8.GetString([.. bytes]);
            }
            catch (DecoderFallbackException)
            {
                throw new UsageException($"{at}: '{Short(text)}' has escapes that are not UTF-8");
            }
        }
        if (decoded.Any(c => char.IsControl(c) || c == '\\'))
            throw new UsageException($"{at}: '{Short(text)}' holds a control character or a backslash, which the edges refuse in requests");
        return decoded.IsNormalized(NormalizationForm.FormC) ? decoded : decoded.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Netlify's <c>key=value</c> query and <c>Country=</c>/<c>Language=</c>/<c>Role=</c>/<c>Cookie=</c> conditions.</summary>
    private static bool IsCondition(string field) => field.Contains('=') && !field.StartsWith('/') && !SiteRuleSet.IsUrl(field);

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r'));

    private static string ReadText(string file, string shown)
    {
        try
        {
            var text = StrictUtf8.GetString(File.ReadAllBytes(file));
            return text.StartsWith('\uFEFF') ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            throw new UsageException($"{shown}: not UTF-8 text");
        }
        catch (IOException e)
        {
            throw new UsageException($"{shown}: cannot be read ({e.Message})", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UsageException($"{shown}: cannot be read ({e.Message})", e);
        }
    }

    private static string Shown(string folder, string name) => Path.Combine(folder, name).Replace('\\', '/');

    /// <summary>Long input cut for a one-line message.</summary>
    private static string Short(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
