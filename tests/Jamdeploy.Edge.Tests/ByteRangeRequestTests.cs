namespace Jamdeploy.Edge.Tests;

public sealed class ByteRangeRequestTests
{
    [Theory]
    [InlineData(null, 10, "full")]
    [InlineData("bytes=0-3", 10, "0-3")]
    [InlineData("bytes=0-0", 10, "0-0")]
    [InlineData("bytes=7-", 10, "7-9")]
    [InlineData("bytes=-3", 10, "7-9")]
    [InlineData("bytes=-30", 10, "0-9")]
    [InlineData("bytes=5-100", 10, "5-9")]
    [InlineData("BYTES=1-2", 10, "1-2")]
    [InlineData(" bytes = 1 - 2 ", 10, "full")]
    [InlineData("bytes= 1-2", 10, "1-2")]
    [InlineData("bytes=10-", 10, "416")]
    [InlineData("bytes=10-20", 10, "416")]
    [InlineData("bytes=-0", 10, "416")]
    [InlineData("bytes=0-", 0, "416")]
    [InlineData("bytes=-5", 0, "416")]
    [InlineData("bytes=3-2", 10, "full")]
    [InlineData("bytes=a-b", 10, "full")]
    [InlineData("bytes=-", 10, "full")]
    [InlineData("bytes=", 10, "full")]
    [InlineData("bytes=0-1,3-4", 10, "full")]
    [InlineData("items=0-1", 10, "full")]
    [InlineData("bytes=99999999999999999999-", 10, "full")]
    public void Evaluate_Header_GivesTheRangeOrTheFallback(string? header, long size, string expected)
    {
        var outcome = ByteRangeRequest.Evaluate(header, size, out var range);

        var actual = outcome switch
        {
            RangeOutcome.Full => "full",
            RangeOutcome.Unsatisfiable => "416",
            _ => $"{range.From}-{range.To}",
        };
        Assert.Equal(expected, actual);
    }
}
