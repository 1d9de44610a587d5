namespace Jamdeploy.Edge;

/// <summary>
/// The URLs a person opens to see what serve answers, from the addresses it listens on: the live site, and a
/// release by host (<c>http://&lt;id&gt;.localhost:8080/</c>) or by path. The host form is the one to give people:
/// in it the site's root-absolute links (<c>/about/</c>) stay inside the release; in the path form
/// (<c>/_jamdeploy/releases/&lt;id&gt;/</c>) they lead to the live release.
/// </summary>
public static class ServeAddresses
{
    /// <summary>Stands for the release in a URL form that serves any release.</summary>
    public const string ReleasePlaceholder = "<release-id>";

    /// <summary>The live site: a listen address as a browser can open it (a wildcard is this machine).</summary>
    public static string Site(string listenUrl) => Browsable(listenUrl).GetLeftPart(UriPartial.Authority) + "/";

    /// <summary><c>&lt;id&gt;.&lt;suffix&gt;</c> on the listen address's port; null without a host suffix.</summary>
    public static string? ReleaseByHost(string listenUrl, string hostSuffix, string release)
    {
        if (string.IsNullOrEmpty(hostSuffix)) return null;
        var uri = Browsable(listenUrl);
        var port = uri.IsDefaultPort ? "" : $":{uri.Port}";
        return $"{uri.Scheme}://{release}.{hostSuffix}{port}/";
    }

    /// <summary><c>/_jamdeploy/releases/&lt;id&gt;/</c> on the listen address.</summary>
    public static string ReleaseByPath(string listenUrl, string release) =>
        $"{Site(listenUrl).TrimEnd('/')}{EdgeEndpoints.PreviewPrefix}/{release}/";

    /// <summary>Whether a URL is of the path form (<see cref="ReleaseByPath"/>).</summary>
    public static bool IsReleaseByPath(string url) => url.Contains(EdgeEndpoints.PreviewPrefix + "/", StringComparison.Ordinal);

    // Kestrel's wildcards (http://*:80, http://+:80) are not URIs; 0.0.0.0 and [::] are not addresses to open.
    private static Uri Browsable(string listenUrl)
    {
        var text = listenUrl.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) return new Uri("http://localhost/");
        if (uri.Host is "0.0.0.0" or "[::]") uri = new UriBuilder(uri) { Host = "localhost" }.Uri;
        return uri;
    }
}
