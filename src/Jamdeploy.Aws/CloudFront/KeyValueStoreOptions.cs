using System.Text.RegularExpressions;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>How jamdeploy talks to one CloudFront KeyValueStore. Defaults suit the real service.</summary>
public sealed partial record KeyValueStoreOptions
{
    /// <summary>The signing name of the data API (botocore cloudfront-keyvaluestore/2022-07-26, <c>signingName</c>).</summary>
    public const string SigningService = "cloudfront-keyvaluestore";

    /// <summary>The store, <c>arn:aws:cloudfront::&lt;account&gt;:key-value-store/&lt;id&gt;</c> (global: no region).</summary>
    public required string Arn { get; init; }

    /// <summary>
    /// The API endpoint. By default the one the SDKs' endpoint rules give: <c>https://&lt;account&gt;.cloudfront-kvs.global.api.aws</c>.
    /// An override is used as given (the SDKs would prefix the account id, which a loopback emulator cannot take).
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Retries after throttling, 5xx and dropped connections (each a fresh signature).</summary>
    public int MaxRetries { get; init; } = 5;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>One HTTP attempt's limit; a hung connection counts as a transient fault.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public Uri ResolveEndpoint() => Endpoint ?? new Uri($"https://{AccountOf(Arn)}.cloudfront-kvs.global.api.aws");

    /// <summary>The ARN, checked: only CloudFront KeyValueStore ARNs in the aws partition are accepted.</summary>
    public static bool IsValidArn(string arn) => ArnPattern().IsMatch(arn);

    public static string AccountOf(string arn) =>
        ArnPattern().Match(arn) is { Success: true } m ? m.Groups["account"].Value : throw new ArgumentException($"not a KeyValueStore ARN: {arn}", nameof(arn));

    [GeneratedRegex(@"^arn:aws:cloudfront::(?<account>[0-9]{12}):key-value-store/[A-Za-z0-9-]{1,64}$")]
    private static partial Regex ArnPattern();
}
