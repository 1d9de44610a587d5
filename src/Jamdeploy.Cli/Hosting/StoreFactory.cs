using System.Text.RegularExpressions;
using Jamdeploy.Aws.S3;
using Jamdeploy.Storage;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Jamdeploy.Cli.Hosting;

/// <summary>Opens the store a location names: a directory (the embedded default) or <c>s3://bucket/prefix</c>.</summary>
public static partial class StoreFactory
{
    public const string DefaultLocation = ".jamdeploy/store";

    public static IObjectStore Open(string location, IConfiguration configuration, string workingDirectory, ILogger? log = null)
    {
        if (S3Location.IsS3Url(location))
        {
            var settings = ConfigurationLoader.Bind(configuration, S3StoreSettings.Section, s => s.Get<S3StoreSettings>());
            return S3ObjectStore.Create(settings.ToOptions(S3Location.Parse(location)), log);
        }
        RefuseUrlLike(location);
        return new LocalDirectoryStore(Path.GetFullPath(location, workingDirectory));
    }

    /// <summary>
    /// A location that starts like a URL (a scheme and a colon) but is not s3:// is a mistake, not a directory name:
    /// taken as one, <c>s3:/bucket</c> or <c>s3:bucket/www</c> would deploy into a local folder and say it went live.
    /// A single letter is a Windows drive (<c>C:\site</c>); a directory whose name has a colon can be written <c>./name</c>.
    /// </summary>
    private static void RefuseUrlLike(string location)
    {
        var match = UrlLike().Match(location);
        if (!match.Success) return;
        var scheme = match.Groups["scheme"].Value;
        if (scheme.Equals("s3", StringComparison.OrdinalIgnoreCase))
        {
            var rest = location[match.Length..].TrimStart('/');
            throw new UsageException($"store '{location}' is not a valid S3 location: write {S3Location.Scheme}bucket/prefix, two slashes after 's3:' (did you mean {S3Location.Scheme}{rest}?)");
        }
        var directoryHint = location.Contains("//", StringComparison.Ordinal) ? "" : $" (a directory whose name has a ':' is written ./{location})";
        throw new UsageException($"store '{location}': jamdeploy does not know the scheme '{scheme}:'; give a directory or {S3Location.Scheme}bucket/prefix{directoryHint}");
    }

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]+):")]
    private static partial Regex UrlLike();
}
