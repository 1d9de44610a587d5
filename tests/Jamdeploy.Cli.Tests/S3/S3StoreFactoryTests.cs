using Jamdeploy.Aws.S3;
using Jamdeploy.Cli.Hosting;
using Microsoft.Extensions.Configuration;

namespace Jamdeploy.Cli.Tests.S3;

/// <summary>How an s3:// location and the S3 configuration section become a store.</summary>
public sealed class S3StoreFactoryTests
{
    [Fact]
    public void Open_S3Url_BindsTheS3SectionIntoTheStoreOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["S3:Region"] = "eu-west-1",
            ["S3:EndpointUrl"] = "http://127.0.0.1:9000",
            ["S3:ForcePathStyle"] = "true",
            ["S3:MultipartThresholdMiB"] = "128",
            ["S3:PartSizeMiB"] = "32",
            ["S3:MaxConcurrentRequests"] = "8",
            ["S3:PartParallelism"] = "2",
            ["S3:MaxRetryAttempts"] = "3",
            ["S3:RequestTimeout"] = "00:01:00",
        }).Build();

        using var store = Assert.IsType<S3ObjectStore>(StoreFactory.Open("s3://my-site-bucket/sites/blog/", configuration, "/tmp"));

        Assert.Equal("s3://my-site-bucket/sites/blog", store.Location);
        Assert.Equal(new S3StoreOptions
        {
            Location = new S3Location("my-site-bucket", "sites/blog"),
            Region = "eu-west-1",
            EndpointUrl = "http://127.0.0.1:9000",
            ForcePathStyle = true,
            MultipartThreshold = 128 * S3StoreOptions.MiB,
            PartSize = 32 * S3StoreOptions.MiB,
            MaxConcurrentRequests = 8,
            PartParallelism = 2,
            MaxRetryAttempts = 3,
            RequestTimeout = TimeSpan.FromMinutes(1),
        }, store.Options);
    }

    [Theory]
    [InlineData("S3:PartSizeMiB", "1", "part size")]
    [InlineData("S3:MaxConcurrentRequests", "0", "parallelism")]
    [InlineData("S3:EndpointUrl", "not a url", "endpoint URL")]
    [InlineData("S3:MaxRetryAttempts", "many", "S3:MaxRetryAttempts")]
    public void Open_BadS3Setting_IsAUsageErrorNamingIt(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.Throws<UsageException>(() => StoreFactory.Open("s3://my-site-bucket/blog", configuration, "/tmp"));

        Assert.Contains(expected, error.Message);
    }
}
