using Jamdeploy.Aws.S3;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// The <c>S3</c> configuration section (jamdeploy.json, or <c>JAMDEPLOY__S3__…</c>): where and how to
/// reach an S3 or S3-compatible store. Credentials are deliberately absent: the AWS SDK's chain (the
/// AWS_* variables, shared config and credentials files, SSO, instance roles) or <see cref="Profile"/>.
/// </summary>
public sealed record S3StoreSettings
{
    public const string Section = nameof(JamdeploySettings.S3);

    // The store's own options own these defaults; this section only lets them be changed (sizes in MiB).
    private static readonly S3StoreOptions Defaults = new() { Location = S3Location.Parse("s3://defaults") };

    /// <inheritdoc cref="S3StoreOptions.Region"/>
    public string? Region { get; set; }

    /// <inheritdoc cref="S3StoreOptions.EndpointUrl"/>
    public string? EndpointUrl { get; set; }

    /// <inheritdoc cref="S3StoreOptions.ForcePathStyle"/>
    public bool? ForcePathStyle { get; set; }

    /// <inheritdoc cref="S3StoreOptions.Profile"/>
    public string? Profile { get; set; }

    /// <summary>Files of at least this many MiB go up in parts.</summary>
    public int MultipartThresholdMiB { get; set; } = (int)(Defaults.MultipartThreshold / S3StoreOptions.MiB);

    /// <summary>The size of each part, in MiB.</summary>
    public int PartSizeMiB { get; set; } = (int)(Defaults.PartSize / S3StoreOptions.MiB);

    /// <inheritdoc cref="S3StoreOptions.MaxConcurrentRequests"/>
    public int MaxConcurrentRequests { get; set; } = Defaults.MaxConcurrentRequests;

    /// <inheritdoc cref="S3StoreOptions.PartParallelism"/>
    public int PartParallelism { get; set; } = Defaults.PartParallelism;

    /// <inheritdoc cref="S3StoreOptions.MaxRetryAttempts"/>
    public int MaxRetryAttempts { get; set; } = Defaults.MaxRetryAttempts;

    /// <inheritdoc cref="S3StoreOptions.RequestTimeout"/>
    public TimeSpan RequestTimeout { get; set; } = Defaults.RequestTimeout;

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
