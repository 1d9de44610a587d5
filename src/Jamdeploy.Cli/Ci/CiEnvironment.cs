using System.Text.Json;

namespace Jamdeploy.Cli.Ci;

/// <summary>
/// What the CI running this process says about the build: the defaults for <c>--commit</c> and
/// <c>--message</c>, and whether anyone could answer a prompt. <see cref="None"/> outside a CI.
/// </summary>
public sealed record CiEnvironment(string? Provider, string? Commit, string? Message)
{
    public static CiEnvironment None { get; } = new(null, null, null);

    /// <summary>True when a CI runs this process: nobody is at the keyboard, whatever stdin is.</summary>
    public bool IsCi => Provider is not null;

    /// <summary>
    /// Reads the CI from environment variables. GitHub Actions puts no commit message in the environment, so
    /// its event file (<c>GITHUB_EVENT_PATH</c>) is read for one; that read is best-effort and never fails.
    /// </summary>
    public static CiEnvironment Detect(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var variables = new Variables(environment);
        var provider = CiProvider.Known.FirstOrDefault(p => variables.IsSet(p.MarkerVariable))
            ?? (variables.IsSet(CiProvider.Generic.MarkerVariable) ? CiProvider.Generic : null);
        if (provider is null) return None;

        var found = new CiEnvironment(
            provider.Name,
            variables.Get(provider.CommitVariable),
            SubjectLine(variables.Get(provider.MessageVariable)));
        return ReferenceEquals(provider, CiProvider.Known[0]) ? WithGitHubDetails(found, variables) : found;
    }

    /// <summary>
    /// Whether a command may ask the user a question. Never in a CI and never when stdin is not a terminal
    /// (a pipe or /dev/null would make a prompt hang or read garbage); commands then need an explicit flag.
    /// </summary>
    public bool CanPrompt(bool stdinIsTerminal) => stdinIsTerminal && !IsCi;

    /// <summary>Adds what GitHub keeps outside the variables: the event's commit and message.</summary>
    private static CiEnvironment WithGitHubDetails(CiEnvironment found, Variables variables)
    {
        var commit = found.Commit;
        string? message = null;
        if (ReadGitHubEvent(variables.Get("GITHUB_EVENT_PATH")) is { } gitHubEvent)
        {
            // A pull_request run's GITHUB_SHA is a merge commit nobody wrote: name the head commit instead.
            if (gitHubEvent.PullRequestHeadSha is { } headSha) commit = headSha;
            message = SubjectLine(gitHubEvent.HeadCommitMessage ?? gitHubEvent.PullRequestTitle);
        }
        return found with { Commit = commit, Message = message };
    }

    private static GitHubEvent? ReadGitHubEvent(string? path)
    {
        if (path is null) return null;
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            return new GitHubEvent(
                StringAt(root, "head_commit", "message"),
                StringAt(root, "pull_request", "head", "sha"),
                StringAt(root, "pull_request", "title"));
        }
        // The event file only adds a nicer default; a missing or odd one must never fail a deploy.
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        catch (JsonException) { return null; }
    }

    private static string? StringAt(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }

    /// <summary>A release message is one line in listings: the subject line of a commit message.</summary>
    private static string? SubjectLine(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return null;
        var subject = message.Trim().Split('\n', 2)[0].Trim();
        return subject.Length == 0 ? null : subject;
    }

    private sealed record GitHubEvent(string? HeadCommitMessage, string? PullRequestHeadSha, string? PullRequestTitle);

    private readonly struct Variables(IReadOnlyDictionary<string, string?> environment)
    {
        public string? Get(string? name) =>
            name is not null && environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
                ? value.Trim()
                : null;

        /// <summary>Set, and not switched off: CI=false is how people run a CI build "as a developer would".</summary>
        public bool IsSet(string name) =>
            Get(name) is { } value
            && !value.Equals("false", StringComparison.OrdinalIgnoreCase)
            && value != "0";
    }
}
