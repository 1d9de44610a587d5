using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamdeploy.Model;

/// <summary>The SHA-256 of a blob, as 64 lowercase hex characters: the blob's name in the store.</summary>
/// <remarks>
/// A class, not a struct: deploys keep hashes in sets, dictionaries, tuples and LINQ queries, and the framework's generic
/// code over a struct of this assembly cannot be precompiled (ReadyToRun), so a fresh process JIT-compiled some 250
/// methods for them (issue #16); over a class it shares the framework's precompiled code.
/// </remarks>
[JsonConverter(typeof(ContentHashJsonConverter))]
public sealed record ContentHash
{
    public const int HexLength = 64;

    // Vectorized: a manifest read checks three digests per file (issue #16: a char loop was a tenth of reading the Rust docs' manifest).
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private ContentHash(string hex) => Hex = hex;

    public string Hex { get; }

    public static ContentHash FromBytes(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != 32) throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(sha256));
        return new ContentHash(Convert.ToHexStringLower(sha256));
    }

    /// <summary>A digest already written as 64 lowercase hex characters (the hashing threads write their own).</summary>
    internal static ContentHash FromLowerHex(string hex) => new(hex);

    public static ContentHash Of(ReadOnlySpan<byte> content) =>
        FromBytes(System.Security.Cryptography.SHA256.HashData(content));

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ContentHash? hash)
    {
        hash = null;
        if (text is null || text.Length != HexLength || text.AsSpan().ContainsAnyExcept(LowerHex)) return false;
        hash = new ContentHash(text);
        return true;
    }

    public static ContentHash Parse(string text) =>
        TryParse(text, out var hash) ? hash : throw new FormatException($"'{text}' is not a SHA-256 hex digest");

    public byte[] ToBytes() => Convert.FromHexString(Hex);

    /// <summary>The digest as base64, the form S3's x-amz-checksum-sha256 wants.</summary>
    public string ToBase64() => Convert.ToBase64String(ToBytes());

    public string Short => Hex[..12];

    public override string ToString() => Hex;
}

internal sealed class ContentHashJsonConverter : JsonConverter<ContentHash>
{
    public override ContentHash Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadDigest(ref reader);

    /// <summary>The digest the reader is on; also for the manifest's hand-written entry reader (Manifests/ManifestEntryJsonConverter.cs).</summary>
    internal static ContentHash ReadDigest(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && ContentHash.TryParse(reader.GetString(), out var hash)
            ? hash : throw new JsonException("not a SHA-256 hex digest");

    public override void Write(Utf8JsonWriter writer, ContentHash value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Hex);
}
