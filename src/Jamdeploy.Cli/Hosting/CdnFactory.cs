using Jamdeploy.Cdn;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Hosting;

/// <summary>The CDN the configuration names (<c>Cdn:Provider</c>); none by default.</summary>
public static class CdnFactory
{
    public static ICdnInvalidator Create(IConfiguration configuration)
    {
        var provider = configuration["Cdn:Provider"] ?? "none";
        return provider.ToLowerInvariant() switch
        {
            "none" or "" => new NoCdn(),
            _ => throw new UsageException($"Cdn:Provider '{provider}' is not known; use none"),
        };
    }
}
