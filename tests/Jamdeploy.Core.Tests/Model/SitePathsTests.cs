using Jamdeploy.Model;

namespace Jamdeploy.Core.Tests.Model;

public sealed class SitePathsTests
{
    [Theory]
    [InlineData("/index.html", 11)]
    [InlineData("/with space.txt", 17)] // %20
    [InlineData("/100%.html", 12)] // %25
    [InlineData("/caf\u00e9.html", 15)] // %C3%A9
    [InlineData("/\u20ac", 10)] // %E2%82%AC
    [InlineData("/\U0001F600", 13)] // %F0%9F%98%80
    [InlineData("/a-b_c.d~e!$&'()*+,;=:@", 23)] // nothing a path may hold raw is counted twice
    public void EncodedLength_IsTheLengthALinkMustWrite(string path, int expected) =>
        Assert.Equal(expected, SitePaths.EncodedLength(path));

    [Theory]
    [InlineData("/docs/index.html", null)]
    [InlineData("/_jamdeployed.html", null)]
    [InlineData("/_jamdeploy/health", "is under /_jamdeploy/")]
    [InlineData("/_JamDeploy/x.html", "is under /_jamdeploy/")]
    [InlineData("/a/../b.html", "'.' or '..'")]
    [InlineData("/a//b.html", "empty")]
    public void Refusal_SaysWhyTheEdgesNeverServeAPath(string path, string? says)
    {
        var refusal = SitePaths.Refusal(path, SitePaths.DefaultMaxLength);

        if (says is null) Assert.Null(refusal);
        else Assert.Contains(says, refusal);
    }

    [Fact]
    public void Refusal_LongestEncodedPath_IsAccepted()
    {
        var longest = "/" + new string('\u00e9', (SitePaths.MaxEncodedLength - 1) / 6);
        var over = longest + "\u00e9";

        Assert.Null(SitePaths.Refusal(longest, int.MaxValue));
        Assert.Contains("percent-encoded", SitePaths.Refusal(over, int.MaxValue));
    }
}
