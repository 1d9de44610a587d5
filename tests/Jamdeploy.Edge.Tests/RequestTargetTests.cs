namespace Jamdeploy.Edge.Tests;

public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/", "/", "")]
    [InlineData("/a/b.html?x=1", "/a/b.html", "?x=1")]
    [InlineData("/with%20space", "/with space", "")]
    [InlineData("/caf%C3%A9", "/café", "")]
    [InlineData("/cafe%CC%81", "/café", "")]
    [InlineData("/%252e%252e", "/%2e%2e", "")]
    [InlineData("/a/", "/a/", "")]
    [InlineData("/a?b=/../c", "/a", "?b=/../c")]
    [InlineData("http://host:1/a/b", "/a/b", "")]
    [InlineData("/...", "/...", "")]
    [InlineData("/.well-known/x", "/.well-known/x", "")]
    public void TryParse_AcceptableTarget_DecodesOnce(string raw, string path, string query)
    {
        Assert.Equal(TargetRejection.None, RequestTarget.TryParse(raw, 1024, out var target));
        Assert.Equal(path, target.Path);
        Assert.Equal(query, target.Query);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("a")]
    [InlineData("/..")]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/.")]
    [InlineData("/%2e%2e/a")]
    [InlineData("/%2E/a")]
    [InlineData("/a%2fb")]
    [InlineData("/a%2Fb")]
    [InlineData("/a\\b")]
    [InlineData("/a%5cb")]
    [InlineData("/a%00")]
    [InlineData("/a%0d%0aSet-Cookie:x")]
    [InlineData("/a%7f")]
    [InlineData("/%c0%ae%c0%ae/")]
    [InlineData("/%c0%af")]
    [InlineData("/%e0%80%ae")]
    [InlineData("/%ed%a0%80")]
    [InlineData("/%ff")]
    [InlineData("/%")]
    [InlineData("/%4")]
    [InlineData("/%g0")]
    [InlineData("//a")]
    [InlineData("/a//b")]
    [InlineData("/a#b")]
    [InlineData("/é")]
    [InlineData("http://host")]
    [InlineData("http://host?x")]
    public void TryParse_AmbiguousOrHostileTarget_IsABadRequest(string raw)
    {
        Assert.Equal(TargetRejection.BadRequest, RequestTarget.TryParse(raw, 1024, out _));
    }

    [Fact]
    public void TryParse_PathLongerThanTheLimit_IsTooLong()
    {
        Assert.Equal(TargetRejection.TooLong, RequestTarget.TryParse("/" + new string('a', 100), 64, out _));
        Assert.Equal(TargetRejection.TooLong, RequestTarget.TryParse("/" + string.Concat(Enumerable.Repeat("%61", 100)), 64, out _));
        Assert.Equal(TargetRejection.None, RequestTarget.TryParse("/" + new string('a', 63), 64, out _));
    }
}
