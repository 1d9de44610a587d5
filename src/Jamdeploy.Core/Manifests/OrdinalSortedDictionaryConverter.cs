using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamdeploy.Manifests;

/// <summary>
/// Reads an <see cref="ImmutableSortedDictionary{TKey,TValue}"/> with string keys ordinally. The default
/// would sort by the culture: URL paths would not be in the order a manifest is written and digested in
/// (<c>/_next/…</c> before <c>/404.html</c>), and two paths that differ only by a character the culture
/// ignores would be taken for one. One closed converter per value type the documents hold
/// (<see cref="StoreDocuments.Options"/>), through the compile-time metadata of
/// <see cref="StoreDocumentsJsonContext"/>: no type is made or reflected over at run time.
/// </summary>
internal sealed class OrdinalSortedDictionaryConverter<TValue> : JsonConverter<ImmutableSortedDictionary<string, TValue>>
{
    // Into a builder as read: a manifest's paths come in order, so each add is a walk down the right edge, with no
    // Dictionary and SortedDictionary copied on the way (issue #16). A key given twice keeps its last value, as before.
    public override ImmutableSortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object");
        var item = StoreDocuments.Info<TValue>(options);
        var entries = ImmutableSortedDictionary.CreateBuilder<string, TValue>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            entries[key] = JsonSerializer.Deserialize(ref reader, item) ?? throw new JsonException($"'{key}' is null");
        }
        return entries.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableSortedDictionary<string, TValue> value, JsonSerializerOptions options)
    {
        var item = StoreDocuments.Info<TValue>(options);
        writer.WriteStartObject();
        foreach (var (key, entry) in value.WithComparers(StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            JsonSerializer.Serialize(writer, entry, item);
        }
        writer.WriteEndObject();
    }
}
