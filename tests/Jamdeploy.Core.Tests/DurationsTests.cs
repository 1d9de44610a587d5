namespace Jamdeploy.Core.Tests;

public sealed class DurationsTests
{
    [Theory]
    [InlineData(0.25, "250 ms")]
    [InlineData(4.63, "4.6 s")]
    [InlineData(9.96, "10 s")]
    [InlineData(46.2820196, "46 s")]
    [InlineData(59.6, "1 min")]
    [InlineData(74, "1 min 14 s")]
    [InlineData(3600, "1 h")]
    [InlineData(7500, "2 h 5 min")]
    [InlineData(273600, "3 d 4 h")]
    public void Human_ReadsAtThePrecisionThatMatters(double seconds, string expected) =>
        Assert.Equal(expected, Durations.Human(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("7d")]
    [InlineData("36h")]
    [InlineData("90m")]
    [InlineData("1.5s")]
    [InlineData("0")]
    public void Setting_ReadsBackThroughParse(string text) =>
        Assert.Equal(text, Durations.Setting(Durations.Parse(text, "test")));
}
