namespace Jamdeploy.Edge.Tests;

public sealed class ServeOptionsTests
{
    [Theory]
    [InlineData("PointerTtl")]
    [InlineData("MaxPathLength")]
    [InlineData("CacheControl:FingerprintPattern")]
    [InlineData("BlobCache:MaxBlobBytes")]
    [InlineData("Preview:HostSuffix")]
    public void Validate_BadSetting_NamesTheKey(string key)
    {
        var options = key switch
        {
            "PointerTtl" => new ServeOptions { PointerTtl = TimeSpan.FromSeconds(-1) },
            "MaxPathLength" => new ServeOptions { MaxPathLength = 1 },
            "CacheControl:FingerprintPattern" => new ServeOptions { CacheControl = new CacheControlOptions { FingerprintPattern = "(" } },
            "BlobCache:MaxBlobBytes" => new ServeOptions { BlobCache = new BlobCacheOptions { MaxBytes = 10, MaxBlobBytes = 11 } },
            _ => new ServeOptions { Preview = new PreviewOptions { HostSuffix = ".example.com" } },
        };

        var error = Assert.Throws<UsageException>(() => options.Validate());

        Assert.Contains($"Serve:{key}", error.Message);
    }
}
