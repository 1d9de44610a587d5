using Jamdeploy.Edge;
using Jamdeploy.Model;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Hosting;

/// <summary>A URL to give a person, and whether it shows anything only while <c>jamdeploy serve</c> runs.</summary>
public sealed record SiteAddress(string Url, bool ViaServe, bool NeedsPreviewFlag = false)
{
    /// <summary>What to run for the URL to answer, for the human line; empty when it is public.</summary>
    public string Hint => !ViaServe ? "" : NeedsPreviewFlag ? " (while `jamdeploy serve --preview` runs)" : " (while `jamdeploy serve` runs)";
}

/// <summary>
/// Where the live site and a stored release can be seen. The public addresses come from configuration:
/// <c>Site:Url</c> (the serverless stack writes its distribution's domain there) and
/// <c>Site:PreviewHostSuffix</c> (<c>&lt;id&gt;.&lt;suffix&gt;</c> names a release, as the stack's
/// <c>PreviewDomain</c>). Without them, the site is what <c>jamdeploy serve</c> shows with this
/// configuration (<see cref="ServeAddresses"/>), and the address says so. Nothing here asks the CDN.
/// </summary>
public sealed class SiteAddresses(SiteSettings site, ServeOptions serve)
{
    public static SiteAddresses From(IConfiguration configuration)
    {
        var site = ConfigurationLoader.Bind(configuration, nameof(JamdeploySettings.Site), s => s.Get<SiteSettings>());
        if (site.PreviewHostSuffix is { Length: > 0 } suffix && (suffix.StartsWith('.') || suffix.Contains(':') || suffix.Contains('/')))
            throw new UsageException("configuration Site:PreviewHostSuffix must be a host name without a scheme, leading dot or port, e.g. preview.example.com");
        return new(site, ConfigurationLoader.Bind(configuration, ServeOptions.SectionName, s => s.Get<ServeOptions>()));
    }

    private string LocalListen => serve.ListenAddresses().FirstOrDefault() ?? new ServeOptions().Urls;

    public SiteAddress Live() =>
        site.Url is { Length: > 0 } url ? new SiteAddress(url, ViaServe: false) : new SiteAddress(ServeAddresses.Site(LocalListen), ViaServe: true);

    public SiteAddress Preview(ReleaseId release)
    {
        if (site.PreviewHostSuffix is { Length: > 0 } suffix)
        {
            var scheme = site.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Scheme : Uri.UriSchemeHttps;
            return new SiteAddress($"{scheme}://{release}.{suffix}/", ViaServe: false);
        }
        var local = ServeAddresses.ReleaseByHost(LocalListen, serve.Preview.HostSuffix, release.Value)
            ?? ServeAddresses.ReleaseByPath(LocalListen, release.Value);
        return new SiteAddress(local, ViaServe: true, NeedsPreviewFlag: !serve.ServesPreviews());
    }
}
