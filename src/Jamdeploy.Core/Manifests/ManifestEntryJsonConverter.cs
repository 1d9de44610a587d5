using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jamdeploy.Model;

namespace Jamdeploy.Manifests;

/// <summary>
/// A manifest's file entry, read and written by hand: the serializer's path for a record with constructor parameters
/// was most of what the native tool spent reading the Rust docs' manifest (6,499 entries and their 2 forms each; issue
/// #16). Writes the shape the compile-time metadata wrote (hash, size, contentType, then headers and encodings when
/// present) and reads what the serializer accepted: names in any casing, unknown ones skipped, the three first ones required.
/// </summary>
internal sealed class ManifestEntryJsonConverter : JsonConverter<ManifestEntry>
{
    public override ManifestEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a file entry must be an object");
        ContentHash? hash = null;
        long? size = null;
        string? contentType = null;
        ImmutableSortedDictionary<string, string>? headers = null;
        ImmutableSortedDictionary<string, EncodedBlob>? encodings = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = NameOf(ref reader);
            reader.Read();
            switch (name)
            {
                case Property.Hash: hash = ContentHashJsonConverter.ReadDigest(ref reader); break;
                case Property.Size: size = SizeOf(ref reader); break;
                case Property.ContentType: contentType = reader.GetString() ?? throw new JsonException("a file entry's contentType is null"); break;
                case Property.Headers: headers = Map<string>(ref reader, options); break;
                case Property.Encodings: encodings = Map<EncodedBlob>(ref reader, options); break;
                default: reader.Skip(); break;
            }
        }
        if (hash is null || size is null || contentType is null) throw new JsonException("a file entry needs hash, size and contentType");
        return new ManifestEntry(hash, size.Value, contentType) { Headers = headers, Encodings = encodings };
    }

    public override void Write(Utf8JsonWriter writer, ManifestEntry value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("hash"u8, value.Hash.Hex);
        writer.WriteNumber("size"u8, value.Size);
        writer.WriteString("contentType"u8, value.ContentType);
        if (value.Headers is not null)
        {
            writer.WritePropertyName("headers"u8);
            JsonSerializer.Serialize(writer, value.Headers, StoreDocuments.Info<ImmutableSortedDictionary<string, string>>(options));
        }
        if (value.Encodings is not null)
        {
            writer.WritePropertyName("encodings"u8);
            JsonSerializer.Serialize(writer, value.Encodings, StoreDocuments.Info<ImmutableSortedDictionary<string, EncodedBlob>>(options));
        }
        writer.WriteEndObject();
    }

    internal enum Property { Other, Hash, Size, ContentType, Headers, Encodings }

    /// <summary>The property the reader is on: the names as written, compared as bytes, then any casing.</summary>
    internal static Property NameOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("hash"u8) ? Property.Hash
        : reader.ValueTextEquals("size"u8) ? Property.Size
        : reader.ValueTextEquals("contentType"u8) ? Property.ContentType
        : reader.ValueTextEquals("encodings"u8) ? Property.Encodings
        : reader.ValueTextEquals("headers"u8) ? Property.Headers
        : reader.GetString()!.ToLowerInvariant() switch
        {
            "hash" => Property.Hash,
            "size" => Property.Size,
            "contenttype" => Property.ContentType,
            "encodings" => Property.Encodings,
            "headers" => Property.Headers,
            _ => Property.Other,
        };

    internal static long SizeOf(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var size) ? size : throw new JsonException("a size must be a whole number");

    private static ImmutableSortedDictionary<string, T>? Map<T>(ref Utf8JsonReader reader, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : JsonSerializer.Deserialize(ref reader, StoreDocuments.Info<ImmutableSortedDictionary<string, T>>(options));
}

/// <summary>A precompressed form in a file entry (<see cref="ManifestEntryJsonConverter"/>, for the same reason).</summary>
internal sealed class EncodedBlobJsonConverter : JsonConverter<EncodedBlob>
{
    public override EncodedBlob Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("an encoding must be an object");
        ContentHash? hash = null;
        long? size = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = ManifestEntryJsonConverter.NameOf(ref reader);
            reader.Read();
            switch (name)
            {
                case ManifestEntryJsonConverter.Property.Hash: hash = ContentHashJsonConverter.ReadDigest(ref reader); break;
                case ManifestEntryJsonConverter.Property.Size: size = ManifestEntryJsonConverter.SizeOf(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        if (hash is null || size is null) throw new JsonException("an encoding needs hash and size");
        return new EncodedBlob(hash, size.Value);
    }

    public override void Write(Utf8JsonWriter writer, EncodedBlob value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("hash"u8, value.Hash.Hex);
        writer.WriteNumber("size"u8, value.Size);
        writer.WriteEndObject();
    }
}
