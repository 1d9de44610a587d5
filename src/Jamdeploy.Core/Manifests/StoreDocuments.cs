using System.Text.Json;
using System.Text.Json.Serialization;
using Jamdeploy.Cleanup;
using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Manifests;

/// <summary>
/// The JSON form of the documents jamdeploy keeps in a store, and the checks a document must pass to be
/// read at all. Each carries a <c>format</c> number; a reader refuses a format it does not know rather
/// than guessing. Internal: everything else reads and writes documents through
/// <see cref="ReleaseStore"/>, so every command and serve apply the same checks.
/// </summary>
internal static class StoreDocuments
{
    private const string Restore = "restore it from a backup or promote a release to rewrite it";

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

    public static byte[] Serialize(PinDocument pin) => JsonSerializer.SerializeToUtf8Bytes(pin, Options);

    public static byte[] Serialize(LeaseDocument lease) => JsonSerializer.SerializeToUtf8Bytes(lease, Options);

    /// <summary>
    /// The manifest stored under <paramref name="key"/>'s release id. One that names another release (copied
    /// or renamed by hand) is refused like a corrupt one: read as <paramref name="key"/> it would serve,
    /// promote and keep blobs under a name that is not its own.
    /// </summary>
    public static Manifest ReadManifest(byte[] json, string where, ReleaseId key)
    {
        var manifest = Read<Manifest>(json, where, "release manifest", Manifest.CurrentFormat);
        if (manifest.Id != key)
            throw new CorruptStoreException(
                $"{where}: the manifest names release {manifest.Id}, not {key} (copied or renamed by hand?); remove it, or {Restore}");
        return manifest;
    }

    public static LivePointer ReadPointer(byte[] json, string where) =>
        Read<LivePointer>(json, where, "live pointer", LivePointer.CurrentFormat);

    /// <summary>
    /// The lease, or null when it cannot be read (no jamdeploy writes such a lease, so nobody holds it). A
    /// lease of a format this version does not know is someone's, held by a newer jamdeploy: refused.
    /// </summary>
    public static LeaseDocument? TryReadLease(byte[] json, string where)
    {
        RequireKnownFormat(json, where, "store lease", LeaseDocument.CurrentFormat);
        try
        {
            return JsonSerializer.Deserialize<LeaseDocument>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Read<T>(byte[] json, string where, string what, int currentFormat) where T : class
    {
        RequireKnownFormat(json, where, what, currentFormat);
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new CorruptStoreException($"{where}: the {what} is empty; {Restore}");
        }
        catch (JsonException e)
        {
            throw new CorruptStoreException($"{where}: the {what} is corrupt ({FirstLine(e.Message)}); {Restore}", e);
        }
    }

    // Checked before the shape: a newer format may differ in more than its number, and then "corrupt" would
    // send the user to a backup when what they need is a newer jamdeploy.
    private static void RequireKnownFormat(byte[] json, string where, string what, int currentFormat)
    {
        if (FormatOf(json) is { } format && format != currentFormat)
            throw new CorruptStoreException($"{where}: {what} format {format} is not supported by this jamdeploy (expects {currentFormat})");
    }

    /// <summary>The top-level <c>format</c> number, when the document is an object that has one.</summary>
    private static int? FormatOf(byte[] json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isFormat = string.Equals(reader.GetString(), "format", StringComparison.OrdinalIgnoreCase);
                reader.Read();
                if (isFormat) return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var format) ? format : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the full read says so.
        }
        return null;
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
