namespace Jamdeploy.Rules;

/// <summary>A header rule of jamdeploy.json's <c>Site:Headers</c>: <c>{"Path": "/*", "Headers": {"X-Frame-Options": "DENY"}}</c>.</summary>
public sealed record HeaderRuleSetting
{
    public string? Path { get; set; }
    public Dictionary<string, string> Headers { get; set; } = [];
}

/// <summary>A redirect of jamdeploy.json's <c>Site:Redirects</c>: <c>{"From": "/old", "To": "/new", "Status": 301, "Force": false}</c>.</summary>
public sealed record RedirectRuleSetting
{
    public string? From { get; set; }
    public string? To { get; set; }
    public int Status { get; set; } = SiteRulesParser.DefaultStatus;
    public bool Force { get; set; }
}
