using System.Diagnostics.CodeAnalysis;

namespace Jamdeploy.Cli.Hosting;

/// <summary>The one check every URL setting (CDN endpoints, serve origins) needs: absolute, and http or https.</summary>
internal static class HttpUrl
{
    public static bool TryParse(string text, [NotNullWhen(true)] out Uri? url)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out url) && url.Scheme is "http" or "https") return true;
        url = null;
        return false;
    }
}
