using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jamdeploy.Edge;

/// <summary>What serve's health endpoint answers.</summary>
internal sealed record HealthReport(string Status, string? Live);

/// <summary>What serve's purge endpoint answers, and what a deploy that purged it reads back.</summary>
internal sealed record PurgeReport(string? Live);

/// <summary>
/// Compile-time JSON metadata for serve's own endpoints, with ASP.NET Core's web defaults (camelCase names, names read
/// in any case): the Native AOT build has no reflection serializer.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(PurgeReport))]
internal sealed partial class EdgeJsonContext : JsonSerializerContext;
