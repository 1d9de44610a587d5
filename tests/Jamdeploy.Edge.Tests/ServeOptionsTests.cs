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

    /// <summary>Kestrel would read <c>http://127.0.0.1:abc</c> as the host "127.0.0.1:abc" and listen on every interface at port 80.</summary>
    [Theory]
    [InlineData("http://127.0.0.1:abc")]
    [InlineData("notaurl")]
    [InlineData("")]
    public void Validate_UrlsNotAnAddress_NamesTheKey(string urls)
    {
        var error = Assert.Throws<UsageException>(() => new ServeOptions { Urls = urls }.Validate());

        Assert.Contains("Serve:Urls", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:0;http://[::1]:0")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://example.com:80")]
    [InlineData("http://unix:/tmp/jamdeploy.sock")]
    public void Validate_UrlsKestrelListensOn_AreAccepted(string urls) => new ServeOptions { Urls = urls }.Validate();

    /// <summary>Previews expose releases that are not live: by default only to this machine.</summary>
    [Theory]
    [InlineData("http://127.0.0.1:8080", null, true)]
    [InlineData("http://localhost:8080;http://[::1]:8081", null, true)]
    [InlineData("http://0.0.0.0:8080", null, false)]
    [InlineData("http://*:8080", null, false)]
    [InlineData("http://127.0.0.1:8080;http://+:8081", null, false)]
    [InlineData("http://127.0.0.1:8080", false, false)]
    [InlineData("http://0.0.0.0:8080", true, true)]
    public void ServesPreviews_UnsetOnlyOnLoopback(string urls, bool? enabled, bool expected)
    {
        var options = new ServeOptions { Urls = urls, Preview = new PreviewOptions { Enabled = enabled } };

        Assert.Equal(expected, options.ServesPreviews());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://r1.localhost:8080/", "http://127.0.0.1:8080/_jamdeploy/releases/r1/")]
    [InlineData("http://0.0.0.0:80", "http://localhost/", "http://r1.localhost/", "http://localhost/_jamdeploy/releases/r1/")]
    [InlineData("http://*:8080", "http://localhost:8080/", "http://r1.localhost:8080/", "http://localhost:8080/_jamdeploy/releases/r1/")]
    public void ServeAddresses_AreWhatABrowserOpens(string listen, string site, string byHost, string byPath)
    {
        Assert.Equal(site, ServeAddresses.Site(listen));
        Assert.Equal(byHost, ServeAddresses.ReleaseByHost(listen, "localhost", "r1"));
        Assert.Equal(byPath, ServeAddresses.ReleaseByPath(listen, "r1"));
    }
}
