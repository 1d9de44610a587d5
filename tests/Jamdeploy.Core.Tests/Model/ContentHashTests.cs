using Jamdeploy.Model;

namespace Jamdeploy.Core.Tests.Model;

/// <summary>A blob's name is its digest in 64 lowercase hex characters: anything else read from a store is refused.</summary>
public sealed class ContentHashTests
{
    private const string Digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    [Fact]
    public void TryParse_LowercaseHexOfADigest_IsTheHash()
    {
        Assert.True(ContentHash.TryParse(Digest, out var hash));
        Assert.Equal(ContentHash.Of("hello"u8), hash);
    }

    /// <summary>Every position is checked, the vector's tail too, and every character just outside 0-9 and a-f.</summary>
    [Theory]
    [InlineData(0, 'A')]
    [InlineData(15, 'g')]
    [InlineData(31, '/')]
    [InlineData(32, ':')]
    [InlineData(48, '`')]
    [InlineData(62, 'F')]
    [InlineData(63, 'g')]
    [InlineData(63, ' ')]
    [InlineData(63, '\u0660')]
    public void TryParse_AnyCharacterNotLowercaseHex_IsRefused(int at, char character)
    {
        var text = Digest[..at] + character + Digest[(at + 1)..];
        Assert.False(ContentHash.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ContentHash.Parse(text));
    }

    [Fact]
    public void TryParse_NotSixtyFourCharacters_IsRefused()
    {
        Assert.False(ContentHash.TryParse(null, out _));
        Assert.False(ContentHash.TryParse("", out _));
        Assert.False(ContentHash.TryParse(Digest[..63], out _));
        Assert.False(ContentHash.TryParse(Digest + "0", out _));
    }
}
