using Jamdeploy.Aws.S3;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// The <c>S3</c> configuration section (jamdeploy.json, or <c>JAMDEPLOY__S3__…</c>): where and how to
/// reach an S3 or S3-compatible store. Credentials are deliberately absent: the AWS SDK's chain (the
/// AWS_* variables, shared config and credentials files, SSO, instance roles) or <see cref="Profile"/>.
/// </summary>
public sealed class S3StoreSettings
{
    public const string Section = "S3";

    public string? Region { get; set; }
    public string? EndpointUrl { get; set; }
    public bool? ForcePathStyle { get; set; }
    public string? Profile { get; set; }
    public int MultipartThresholdMiB { get; set; } = 64;
    public int PartSizeMiB { get; set; } = 16;
    public int MaxConcurrentRequests { get; set; } = 16;
    public int PartParallelism { get; set; } = 4;
    public int MaxRetryAttempts { get; set; } = 5;
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public S3StoreOptions ToOptions(S3Location location) => new()
    {
        Location = location,
        Region = Blank(Region),
        EndpointUrl = Blank(EndpointUrl),
        ForcePathStyle = ForcePathStyle,
        Profile = Blank(Profile),
        MultipartThreshold = MultipartThresholdMiB * S3StoreOptions.MiB,
        PartSize = PartSizeMiB * S3StoreOptions.MiB,
        MaxConcurrentRequests = MaxConcurrentRequests,
        PartParallelism = PartParallelism,
        MaxRetryAttempts = MaxRetryAttempts,
        RequestTimeout = RequestTimeout,
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
