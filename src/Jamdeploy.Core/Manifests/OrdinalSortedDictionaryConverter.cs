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
    public override ImmutableSortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var entries = JsonSerializer.Deserialize(ref reader, StoreDocuments.Info<Dictionary<string, TValue>>(options))
            ?? throw new JsonException("expected an object");
        return ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, entries);
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
