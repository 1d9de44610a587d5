using System.Text.Json.Serialization;
using Jamdeploy.Releases;

namespace Jamdeploy.Manifests;

/// <summary>
/// Compile-time JSON metadata for the store documents (<see cref="StoreDocuments"/>), so a fresh process reads and
/// writes them without the reflection serializer building the same metadata at run time (reflection over every
/// property and constructor, then IL emitted and compiled for each accessor: most of what a no-op redeploy spent in
/// JSON; issue #16). The options are still <see cref="StoreDocuments.Options"/>' (naming, converters, null handling),
/// so the bytes written are the same.
/// </summary>
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(LivePointer))]
[JsonSerializable(typeof(PinDocument))]
[JsonSerializable(typeof(LeaseDocument))]
internal sealed partial class StoreDocumentsJsonContext : JsonSerializerContext;
