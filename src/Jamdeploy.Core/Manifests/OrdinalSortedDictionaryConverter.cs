using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamdeploy.Manifests;

/// <summary>
/// Reads every <see cref="ImmutableSortedDictionary{TKey,TValue}"/> with string keys ordinally. The default
/// would sort by the culture: URL paths would not be in the order a manifest is written and digested in
/// (<c>/_next/…</c> before <c>/404.html</c>), and two paths that differ only by a character the culture
/// ignores would be taken for one.
/// </summary>
internal sealed class OrdinalSortedDictionaryConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType
        && typeToConvert.GetGenericTypeDefinition() == typeof(ImmutableSortedDictionary<,>)
        && typeToConvert.GetGenericArguments()[0] == typeof(string);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

    private sealed class Converter<TValue> : JsonConverter<ImmutableSortedDictionary<string, TValue>>
    {
        public override ImmutableSortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var entries = JsonSerializer.Deserialize<Dictionary<string, TValue>>(ref reader, options)
                ?? throw new JsonException("expected an object");
            return ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, entries);
        }

        public override void Write(Utf8JsonWriter writer, ImmutableSortedDictionary<string, TValue> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, item) in value.WithComparers(StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                JsonSerializer.Serialize(writer, item, options);
            }
            writer.WriteEndObject();
        }
    }
}
