using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
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
    // What repairs each document. Promote reads the pointer before it writes one, so it cannot rewrite a pointer it
    // cannot read, and it never rewrites a manifest; it can only move live away from a release whose manifest is bad.
    private const string RepairPointer =
        "restore it from a backup, or delete it and `jamdeploy promote <release>` writes a new one (the rollback history is lost)";

    private const string RepairManifest =
        "restore it from a backup (manifests are never rewritten); if it is the live release, `jamdeploy rollback` or `jamdeploy promote <release>` makes another one live";

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters =
        {
            new JsonStringEnumConverter<FlipAction>(JsonNamingPolicy.CamelCase),
            new ManifestEntryJsonConverter(),
            new EncodedBlobJsonConverter(),
            new OrdinalSortedDictionaryConverter<ManifestEntry>(),
            new OrdinalSortedDictionaryConverter<EncodedBlob>(),
            new OrdinalSortedDictionaryConverter<string>(),
        },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // Compile-time metadata only (start-up, issue #16; the Native AOT build has no reflection serializer): a
        // document type missing from the context fails every test that writes it, not a user's deploy.
        TypeInfoResolver = StoreDocumentsJsonContext.Default,
    };

    /// <summary>
    /// Manifests are written without indentation: machines read them (every deploy that plans, serve, the CloudFront
    /// edge), and they grow with the site (the Rust docs' is 2.4 MB indented, 1.6 MB compact; issue #16). The pointer,
    /// pins and the lease stay indented: a few KB at most, and what people open when something went wrong.
    /// </summary>
    private static readonly JsonSerializerOptions ManifestOptions = new(Options) { WriteIndented = false };

    public static byte[] Serialize(Manifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Info<Manifest>(ManifestOptions));

    public static byte[] Serialize(LivePointer pointer) => JsonSerializer.SerializeToUtf8Bytes(pointer, Info<LivePointer>(Options));

    public static byte[] Serialize(PinDocument pin) => JsonSerializer.SerializeToUtf8Bytes(pin, Info<PinDocument>(Options));

    public static byte[] Serialize(LeaseDocument lease) => JsonSerializer.SerializeToUtf8Bytes(lease, Info<LeaseDocument>(Options));

    /// <summary>
    /// The manifest stored under <paramref name="key"/>'s release id. One that names another release (copied
    /// or renamed by hand) is refused like a corrupt one: read as <paramref name="key"/> it would serve,
    /// promote and keep blobs under a name that is not its own.
    /// </summary>
    public static Manifest ReadManifest(byte[] json, string where, ReleaseId key)
    {
        var manifest = Read<Manifest>(json, where, "release manifest", Manifest.PlainFormat, Manifest.CurrentFormat, m => m.Format, RepairManifest);
        if (manifest.Id != key)
            throw new CorruptStoreException(
                $"{where}: the manifest names release {manifest.Id}, not {key} (copied or renamed by hand?); remove it, or {RepairManifest}");
        return manifest;
    }

    public static LivePointer ReadPointer(byte[] json, string where) =>
        Read<LivePointer>(json, where, "live pointer", LivePointer.PlainFormat, LivePointer.CurrentFormat, p => p.FormatAsRead ?? p.Format, RepairPointer);

    /// <summary>
    /// The lease, or null when it cannot be read (no jamdeploy writes such a lease, so nobody holds it). A
    /// lease of a format this version does not know is someone's, held by a newer jamdeploy: refused.
    /// </summary>
    public static LeaseDocument? TryReadLease(byte[] json, string where)
    {
        const string what = "store lease";
        LeaseDocument? lease;
        try
        {
            lease = JsonSerializer.Deserialize(json, Info<LeaseDocument>(Options));
        }
        catch (JsonException)
        {
            RequireKnownFormat(FormatOf(json), where, what, LeaseDocument.CurrentFormat, LeaseDocument.CurrentFormat);
            return null;
        }
        if (lease is not null) RequireKnownFormat(lease.Format, where, what, LeaseDocument.CurrentFormat, LeaseDocument.CurrentFormat);
        return lease;
    }

    /// <summary>A pin's body, for people: null when it cannot be read (its key still pins, see <see cref="Cleanup.ReleasePins"/>).</summary>
    public static PinDocument? TryReadPin(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Info<PinDocument>(Options));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Read<T>(byte[] json, string where, string what, int oldestFormat, int currentFormat, Func<T, int> formatOf, string repair) where T : class
    {
        T? document;
        try
        {
            document = JsonSerializer.Deserialize(json, Info<T>(Options));
        }
        catch (JsonException e)
        {
            RequireKnownFormat(FormatOf(json), where, what, oldestFormat, currentFormat);
            throw new CorruptStoreException($"{where}: the {what} is corrupt ({FirstLine(e.Message)}); {repair}", e);
        }
        if (document is null) throw new CorruptStoreException($"{where}: the {what} is empty; {repair}");
        RequireKnownFormat(formatOf(document), where, what, oldestFormat, currentFormat);
        return document;
    }

    // Checked before calling a document corrupt: a newer format may differ in more than its number, and then
    // "corrupt" would send the user to a backup when what they need is a newer jamdeploy. Only a document that
    // did not read is scanned again for its format, so a good manifest is walked once.
    private static void RequireKnownFormat(int? format, string where, string what, int oldestFormat, int currentFormat)
    {
        if (format is { } known && (known < oldestFormat || known > currentFormat))
            throw new CorruptStoreException(oldestFormat == currentFormat
                ? $"{where}: {what} format {known} is not supported by this jamdeploy (expects {currentFormat})"
                : $"{where}: {what} format {known} is not supported by this jamdeploy (expects {oldestFormat} to {currentFormat})");
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

    /// <summary>The compile-time metadata of <typeparamref name="T"/> in <paramref name="options"/> (there is no reflection fallback).</summary>
    internal static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
