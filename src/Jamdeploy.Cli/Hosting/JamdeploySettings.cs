using Jamdeploy.Cleanup;
using Jamdeploy.Deploying;
using Jamdeploy.Edge;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// The shape of the configuration (the shipped appsettings.json, jamdeploy.json, <c>JAMDEPLOY__</c>
/// variables): one property per section, each typed by the options type that owns that section's defaults
/// and validation. The known keys are read from this shape (<see cref="SettingsSchema"/>), so an option
/// added to any of these types is known, documented-checked and shipped without another list to edit.
/// </summary>
public sealed record JamdeploySettings
{
    /// <summary>The store when <c>--store</c> is not given.</summary>
    public string Store { get; set; } = StoreFactory.DefaultLocation;

    public SiteSettings Site { get; set; } = new();

    public DeployOptions Deploy { get; set; } = new();

    public RetentionRules Cleanup { get; set; } = new();

    public CdnSettings Cdn { get; set; } = new();

    public S3StoreSettings S3 { get; set; } = new();

    public ServeOptions Serve { get; set; } = new();

    public LoggingSettings Logging { get; set; } = new();
}

/// <summary>The <c>Site</c> section: facts about the site that jamdeploy reports, and the rules it is served by.</summary>
public sealed record SiteSettings
{
    /// <summary>The site's public address: deploy ends with it, and reports it as the <c>url</c> output in CI.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// The public host suffix of previews (the serverless stack's <c>PreviewDomain</c>): a release stored with
    /// <c>--no-promote</c> is at <c>&lt;id&gt;.&lt;suffix&gt;</c>. Unset: deploy names the local preview serve gives.
    /// </summary>
    public string? PreviewHostSuffix { get; set; }

    /// <summary>Header rules, after those of the folder's <c>_headers</c> (see README, Site rules).</summary>
    public IReadOnlyList<Rules.HeaderRuleSetting> Headers { get; set; } = [];

    /// <summary>Redirects, rewrites and 404 rules, after those of the folder's <c>_redirects</c>.</summary>
    public IReadOnlyList<Rules.RedirectRuleSetting> Redirects { get; set; } = [];
}

/// <summary>The <c>Logging</c> section.</summary>
public sealed record LoggingSettings
{
    /// <summary>A log file besides <c>--verbose</c>; read from <c>JAMDEPLOY__LOGGING__FILE</c> because logging starts before configuration is read.</summary>
    public string? File { get; set; }
}
