using System.Text.Json;
using System.Text.Json.Serialization;
using Jamdeploy.Releases;

namespace Jamdeploy.Manifests;

/// <summary>
/// The JSON form of the documents jamdeploy keeps in a store. Each carries a <c>format</c> number; a
/// reader refuses a format it does not know rather than guessing.
/// </summary>
public static class StoreDocuments
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new OrdinalSortedDictionaryConverter() },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static byte[] Serialize(Manifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Options);

    public static byte[] Serialize(LivePointer pointer) => JsonSerializer.SerializeToUtf8Bytes(pointer, Options);

    public static Manifest ReadManifest(byte[] json, string where)
    {
        var manifest = Read<Manifest>(json, where, "release manifest");
        if (manifest.Format != Manifest.CurrentFormat)
            throw new CorruptStoreException($"{where}: release manifest format {manifest.Format} is not supported by this jamdeploy (expects {Manifest.CurrentFormat})");
        return manifest;
    }

    public static LivePointer ReadPointer(byte[] json, string where)
    {
        var pointer = Read<LivePointer>(json, where, "live pointer");
        if (pointer.Format != LivePointer.CurrentFormat)
            throw new CorruptStoreException($"{where}: live pointer format {pointer.Format} is not supported by this jamdeploy (expects {LivePointer.CurrentFormat})");
        return pointer;
    }

    private static T Read<T>(byte[] json, string where, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new CorruptStoreException($"{where}: the {what} is empty; restore it from a backup or promote a release to rewrite it");
        }
        catch (JsonException e)
        {
            throw new CorruptStoreException($"{where}: the {what} is corrupt ({FirstLine(e.Message)}); restore it from a backup or promote a release to rewrite it", e);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
