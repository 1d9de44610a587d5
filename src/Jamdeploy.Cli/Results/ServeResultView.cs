using System.Text.Json.Serialization;
using Jamdeploy.Edge;

namespace Jamdeploy.Cli.Results;

/// <summary>
/// <c>jamdeploy serve</c>: where it listens, written as soon as it does (the document, or the "serving" lines);
/// once stopped, the same record says so in a line (under --json the one document is already written).
/// <see cref="PreviewUrls"/> are the forms that serve any stored release (<see cref="ServeAddresses.ReleasePlaceholder"/>
/// stands for its id), by host first: there the site's own root-absolute links stay inside the release.
/// </summary>
public sealed record ServeResultView(string Store, IReadOnlyList<string> Urls, bool Preview, IReadOnlyList<string> PreviewUrls, bool Purge) : ICommandResult
{
    [JsonIgnore] public bool Stopped { get; init; }

    /// <summary>The view of a server listening on <paramref name="addresses"/> with <paramref name="options"/>.</summary>
    public static ServeResultView Listening(string store, IReadOnlyList<string> addresses, ServeOptions options)
    {
        var previews = options.ServesPreviews();
        IReadOnlyList<string> previewUrls = !previews ? [] :
        [
            .. addresses.Select(a => ServeAddresses.ReleaseByHost(a, options.Preview.HostSuffix, ServeAddresses.ReleasePlaceholder)).OfType<string>().Distinct(),
            .. addresses.Select(a => ServeAddresses.ReleaseByPath(a, ServeAddresses.ReleasePlaceholder)),
        ];
        return new ServeResultView(store, addresses, previews, previewUrls, !string.IsNullOrEmpty(options.PurgeToken));
    }

    public IEnumerable<string> Lines()
    {
        if (Stopped)
        {
            yield return "stopped";
            yield break;
        }
        yield return $"serving {Store} on {string.Join(", ", Urls)}; Ctrl+C stops";
        yield return $"live site: {string.Join(", ", Urls.Select(ServeAddresses.Site))}";
        if (!Preview)
        {
            yield return "previews: off (--preview, or Serve:Preview:Enabled, serves any stored release by id)";
            yield break;
        }
        var byPath = PreviewUrls.Where(ServeAddresses.IsReleaseByPath).ToList();
        var byHost = PreviewUrls.Except(byPath).ToList();
        yield return byHost.Count == 0
            ? $"previews: {string.Join(", ", byPath)} (any stored release; the site's links to /… lead to the live release)"
            : $"previews: {string.Join(", ", byHost)} (any stored release; or {string.Join(", ", byPath)}, where the site's links to /… lead to the live release)";
    }
}
