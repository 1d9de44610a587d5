using System.Text.Json.Serialization;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Output;

/// <summary>
/// Compile-time JSON metadata for every command's <c>--json</c> document (<see cref="UserOutput.JsonOptions"/>), so a
/// fresh process writes it without the reflection serializer building it first (issue #16, start-up). The options
/// stay <see cref="UserOutput.JsonOptions"/>' own, so the documents are the same (the snapshots pin them). There is no
/// reflection fallback (the Native AOT build has none): a result type missing here fails its command's --json tests.
/// </summary>
[JsonSerializable(typeof(DeployResultView))]
[JsonSerializable(typeof(ServeResultView))]
[JsonSerializable(typeof(SwitchResultView))]
[JsonSerializable(typeof(FailureResult))]
[JsonSerializable(typeof(CleanupResultView))]
[JsonSerializable(typeof(PinResultView))]
[JsonSerializable(typeof(SyncEdgeResultView))]
[JsonSerializable(typeof(VerifyResultView))]
[JsonSerializable(typeof(ReleasesResultView))]
[JsonSerializable(typeof(InvalidateResultView))]
[JsonSerializable(typeof(InvalidationPlanResultView))]
[JsonSerializable(typeof(StatusResultView))]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
