using Jamdeploy.Aws.S3;

namespace Jamdeploy.Aws.Tests.S3;

public sealed class S3LocationTests
{
    [Theory]
    [InlineData("s3://my-bucket", "my-bucket", "")]
    [InlineData("s3://my-bucket/", "my-bucket", "")]
    [InlineData("s3://my-bucket/sites/blog", "my-bucket", "sites/blog")]
    [InlineData("s3://my.bucket.example/sites/blog/", "my.bucket.example", "sites/blog")]
    [InlineData("S3://abc/x", "abc", "x")]
    public void Parse_ValidUrl_SplitsBucketAndPrefix(string url, string bucket, string prefix)
    {
        var location = S3Location.Parse(url);

        Assert.Equal(new S3Location(bucket, prefix), location);
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://ab")]
    [InlineData("s3://My_Bucket/x")]
    [InlineData("s3://-bucket/x")]
    [InlineData("s3://bucket..name/x")]
    [InlineData("s3://bucket/a//b")]
    [InlineData("s3://bucket/a/../b")]
    [InlineData("s3://bucket/a?region=eu-west-1")]
    [InlineData("s3://192.168.5.4/www")]
    [InlineData("s3://xn--bucket/www")]
    [InlineData("s3://sthree-bucket/www")]
    [InlineData("s3://my-bucket-s3alias/www")]
    [InlineData("s3://my-bucket--ol-s3/www")]
    [InlineData("/local/dir")]
    public void Parse_InvalidUrl_IsAUsageErrorNamingIt(string url)
    {
        var error = Assert.Throws<UsageException>(() => S3Location.Parse(url));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ObjectKey_WithPrefix_JoinsWithOneSlashAndRelativeKeyUndoesIt()
    {
        var location = S3Location.Parse("s3://bucket/sites/blog/");

        Assert.Equal("sites/blog/live.json", location.ObjectKey("live.json"));
        Assert.Equal("live.json", location.RelativeKey("sites/blog/live.json"));
        Assert.Equal("s3://bucket/sites/blog", location.ToString());
    }

    [Fact]
    public void ObjectKey_WithoutPrefix_IsTheKeyItself()
    {
        var location = S3Location.Parse("s3://bucket");

        Assert.Equal("blobs/ab", location.ObjectKey("blobs/ab"));
        Assert.Equal("s3://bucket", location.ToString());
    }
}
