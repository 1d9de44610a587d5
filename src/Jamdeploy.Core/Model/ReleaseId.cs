using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamdeploy.Model;

/// <summary>
/// A release's name: <c>yyyyMMdd-HHmmss-xxxxxx</c> when jamdeploy makes it (sortable, short enough to
/// type), any of <c>[a-z0-9._-]</c> up to 100 characters when read back, so it is always safe in a key.
/// </summary>
[JsonConverter(typeof(ReleaseIdJsonConverter))]
public readonly record struct ReleaseId
{
    public const int MaxLength = 100;

    private ReleaseId(string value) => Value = value;

    public string Value { get; }

    public static ReleaseId New(DateTimeOffset now) =>
        new($"{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");

    public static bool TryParse([NotNullWhen(true)] string? text, out ReleaseId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || text[0] == '.') return false;
        foreach (var c in text)
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')) return false;
        id = new ReleaseId(text);
        return true;
    }

    public static ReleaseId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a release id");

    public override string ToString() => Value;
}

internal sealed class ReleaseIdJsonConverter : JsonConverter<ReleaseId>
{
    public override ReleaseId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReleaseId.TryParse(reader.GetString(), out var id) ? id : throw new JsonException("not a release id");

    public override void Write(Utf8JsonWriter writer, ReleaseId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
