using Jamdeploy.Cli.Hosting;

namespace Jamdeploy.Cli.Tests.Configuration;

/// <summary>The known keys come from the options types' shapes: nested records, lists and dictionaries included.</summary>
public sealed class SettingsSchemaTests
{
    private sealed record Root
    {
        public string Name { get; init; } = "site";
        public Outer Outer { get; init; } = new();
        public string Computed => Name.ToUpperInvariant();
        public static int Shared { get; set; }
    }

    private sealed record Outer
    {
        public Inner? Inner { get; init; }
        public IReadOnlyList<Inner> Items { get; init; } = [];
        public IReadOnlyDictionary<string, Inner> Named { get; init; } = new Dictionary<string, Inner>();
        public string[] Tags { get; init; } = ["a", "b"];
        public TimeSpan Every { get; init; } = TimeSpan.FromMinutes(90);
    }

    private sealed record Inner
    {
        public string? Arn { get; init; }
        public int Retries { get; init; } = 3;
    }

    private static readonly SettingsSchema Schema = SettingsSchema.For<Root>();

    [Theory]
    [InlineData("Name")]
    [InlineData("outer")]
    [InlineData("Outer:Inner:Arn")]
    [InlineData("OUTER:INNER:RETRIES")]
    [InlineData("Outer:Items:0:Arn")]
    [InlineData("Outer:Items:12")]
    [InlineData("Outer:Named:eu:Retries")]
    [InlineData("Outer:Tags:1")]
    public void UnknownPart_DeclaredKey_IsNull(string key) => Assert.Null(Schema.UnknownPart(key));

    [Theory]
    [InlineData("Nam", "Nam")]
    [InlineData("Computed", "Computed")]
    [InlineData("Shared", "Shared")]
    [InlineData("Outer:Inner:Arm", "Outer:Inner:Arm")]
    [InlineData("Outer:Items:first:Arn", "Outer:Items:first")]
    [InlineData("Outer:Named:eu:Arm", "Outer:Named:eu:Arm")]
    [InlineData("Name:Length", "Name:Length")]
    [InlineData("Outer:Tags:0:x", "Outer:Tags:0:x")]
    public void UnknownPart_UndeclaredKey_IsItsFirstUnknownSegment(string key, string unknown) => Assert.Equal(unknown, Schema.UnknownPart(key));

    [Theory]
    [InlineData("Outer:Inner:Arm", "Outer:Inner:Arn")]
    [InlineData("outer:inner:retrys", "Outer:Inner:Retries")]
    [InlineData("Outer:Items:3:Arm", "Outer:Items:3:Arn")]
    [InlineData("Outer:Retries", "Outer:Inner:Retries")]
    public void Nearest_MisspeltKey_IsTheDeclaredOne(string unknown, string nearest) => Assert.Equal(nearest, Schema.Nearest(unknown));

    [Fact]
    public void Settings_AreTheLeavesWithTheirDefaults()
    {
        Assert.Equal(
            ["Name", "Outer:Inner:Arn", "Outer:Inner:Retries", "Outer:Items", "Outer:Named", "Outer:Tags", "Outer:Every"],
            Schema.Settings.Select(s => s.Key));
        Assert.Equal(
            """{"Name":"site","Outer":{"Tags":["a","b"],"Every":"01:30:00"}}""",
            Schema.DefaultsDocument().ToJsonString());
    }
}
