using System.Text.Json.Serialization;
using Jamdeploy.Cli.Ci;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Planning;

namespace Jamdeploy.Cli.Results;

/// <summary>
/// <c>jamdeploy deploy</c>'s result, rendered three ways: the human lines, the <c>--json</c> document (its
/// properties) and the CI report (<see cref="ToCiReport"/>, which GitHub Actions' outputs and step summary
/// render). Built from the pipeline's <see cref="DeployResult"/>.
/// </summary>
public sealed record DeployResultView : ICommandResult
{
    public required DeployOutcome Outcome { get; init; }
    public required string Release { get; init; }
    public required string? PreviousLive { get; init; }
    public required string Store { get; init; }
    public required int Files { get; init; }
    public required long TotalBytes { get; init; }
    public required int UploadedBlobs { get; init; }
    public required long BytesSent { get; init; }
    public required int PlannedBlobs { get; init; }
    public required long BytesToSend { get; init; }
    public required int ReusedFiles { get; init; }
    public required int InvalidatedPaths { get; init; }
    public required bool Forced { get; init; }

    /// <summary>Brotli and gzip forms: made by this deploy (a dry run: to make) and taken from the live release.</summary>
    public required PrecompressView Precompressed { get; init; }

    /// <summary>Where the live site is (live or unchanged): <c>Site:Url</c>, else where <c>jamdeploy serve</c> shows it.</summary>
    public string? Url { get; init; }

    /// <summary>Where the stored release is (--no-promote): <c>&lt;id&gt;.&lt;Site:PreviewHostSuffix&gt;</c>, else serve's preview host.</summary>
    public string? PreviewUrl { get; init; }

    /// <summary>What a person must run for <see cref="Url"/> or <see cref="PreviewUrl"/> to answer (empty when public).</summary>
    [JsonIgnore] public string UrlHint { get; init; } = "";

    /// <summary>With --dry-run and a CDN: what the flip would invalidate.</summary>
    public required InvalidationSummary? Invalidation { get; init; }

    /// <summary>With --dry-run: how many paths the release adds, changes, removes and keeps, against the live one.</summary>
    public required ChangeCounts? Changes { get; init; }

    /// <summary>
    /// With --dry-run: every added, changed and removed file, what happens to it and why; the unchanged ones
    /// only with --list-unchanged (on a large site they are most of the document and say nothing).
    /// </summary>
    public required IReadOnlyList<PlannedFileView>? Plan { get; init; }

    /// <summary>With --dry-run: the site rules (_headers, _redirects, Site:*) the release adds, removes or reorders.</summary>
    public IReadOnlyList<Rules.RuleChange>? RuleChanges { get; init; }

    [JsonIgnore] public InvalidationPlan? InvalidationPlan { get; init; }
    [JsonIgnore] public CdnLimits Limits { get; init; } = new();
    [JsonIgnore] public string Cdn { get; init; } = "none";

    public static DeployResultView From(DeployResult result, string store, string cdn, CdnLimits limits, bool listUnchanged = false)
    {
        var dryRun = result.Outcome == DeployOutcome.DryRun ? result.Plan : null;
        var plan = result.Plan;
        var invalidation = result.Invalidation is { } i && cdn != "none" ? i : null;
        return new DeployResultView
        {
            Outcome = result.Outcome,
            Release = result.Release.Value,
            PreviousLive = result.PreviousLive?.Value,
            Store = store,
            Files = result.Files,
            TotalBytes = result.TotalBytes,
            UploadedBlobs = result.UploadedBlobs,
            BytesSent = result.BytesSent,
            PlannedBlobs = plan?.Uploads.Count ?? 0,
            BytesToSend = plan?.BytesToSend ?? 0,
            ReusedFiles = plan?.ReusedFiles ?? result.Files,
            InvalidatedPaths = result.InvalidatedPaths,
            Forced = result.Forced,
            Precompressed = PrecompressView.From(result.Precompressed),
            Invalidation = invalidation is null ? null : InvalidationSummary.From(invalidation, limits),
            Changes = dryRun is null ? null : new ChangeCounts(dryRun.Added, dryRun.Changed, dryRun.Removed.Count, dryRun.Unchanged),
            Plan = dryRun is null ? null : PlannedFileView.Of(dryRun, listUnchanged),
            RuleChanges = dryRun is null ? null : result.RuleChanges,
            InvalidationPlan = invalidation,
            Cdn = cdn,
            Limits = limits,
        };
    }

    /// <summary>The URL that goes with the outcome: the live site's, or the stored release's; none for a dry run.</summary>
    public DeployResultView WithAddresses(SiteAddresses addresses)
    {
        switch (Outcome)
        {
            case DeployOutcome.Live or DeployOutcome.Unchanged:
                var live = addresses.Live();
                return this with { Url = live.Url, UrlHint = live.Hint };
            case DeployOutcome.Staged:
                var preview = addresses.Preview(Model.ReleaseId.Parse(Release));
                return this with { PreviewUrl = preview.Url, UrlHint = preview.Hint };
            default:
                return this;
        }
    }

    public IEnumerable<string> Lines()
    {
        var summary = Outcome == DeployOutcome.Unchanged ? "" :
            $"{Format.Plural(Files, "file")}, {Format.Plural(PlannedBlobs, "new blob")} ({Format.Bytes(BytesToSend)}), {ReusedFiles} reused{Precompressed.Phrase(Outcome == DeployOutcome.DryRun)}";
        // The address to open comes last, after the store the deploy wrote to: a deploy ends with its URL.
        string? address = null;
        switch (Outcome)
        {
            case DeployOutcome.Unchanged:
                yield return UploadedBlobs == 0 ? $"unchanged: {Release} is live"
                    : $"unchanged: {Release} is live; sent again {Format.Plural(UploadedBlobs, "blob")} it was missing ({Format.Bytes(BytesSent)})";
                if (Url is not null) address = $"url: {Url}{UrlHint}";
                break;
            case DeployOutcome.DryRun:
                foreach (var file in Plan ?? []) yield return file.Line();
                foreach (var rule in RuleChanges ?? []) yield return rule.Line();
                if (InvalidationPlan is { IsEmpty: false } invalidation)
                    foreach (var line in InvalidationLines.Paths(invalidation, Limits)) yield return line;
                else if (Cdn == "none") yield return "no CDN configured (Cdn:Provider is none): nothing to invalidate";
                else yield return $"nothing to invalidate on {Cdn}";
                var changes = Changes is { } c ? $"; {c.Added} added, {c.Changed} changed, {c.Removed} removed, {c.Unchanged} unchanged" : "";
                yield return $"dry run: {summary}{changes}; nothing written";
                break;
            case DeployOutcome.Staged:
                yield return $"stored: {Release} ({summary}); not live: `jamdeploy promote {Release}` makes it live";
                if (PreviewUrl is not null) address = $"preview: {PreviewUrl}{UrlHint}";
                break;
            case DeployOutcome.Live:
                var was = PreviousLive is { } p ? $"; was {p}" : "";
                var forced = Forced ? " (forced over a concurrent deploy)" : "";
                yield return $"live: {Release} ({summary}{was}){forced}";
                if (InvalidatedPaths > 0) yield return $"invalidated {Format.Plural(InvalidatedPaths, "path")}";
                if (Url is not null) address = $"url: {Url}{UrlHint}";
                break;
        }
        yield return $"store: {Store}";
        if (address is not null) yield return address;
    }

    /// <summary>What the CI is told about this deploy (GitHub's outputs and step summary render it).</summary>
    public CiDeployReport ToCiReport(DeployRequest request, string? url)
    {
        var (outcome, live) = Outcome switch
        {
            DeployOutcome.Live => (CiDeployOutcomes.Live, true),
            DeployOutcome.Unchanged => (CiDeployOutcomes.Unchanged, true),
            DeployOutcome.Staged => (CiDeployOutcomes.Staged, false),
            _ => (CiDeployOutcomes.DryRun, false),
        };
        var counts = new CiPlanCounts(Files, TotalBytes, PlannedBlobs, BytesToSend, ReusedFiles);
        return new CiDeployReport(Store, outcome, ExitCodes.Done, live, Release, PreviousLive,
            url, request.Commit, request.Message, counts, InvalidatedPaths);
    }
}

/// <summary>A dry run's paths by what the release does to them (counts; the paths are in the plan).</summary>
public sealed record ChangeCounts(int Added, int Changed, int Removed, int Unchanged);

/// <summary>What a path of a dry run's plan is to the live release.</summary>
public enum PathChange { Added, Changed, Removed, Unchanged }

/// <summary>
/// One path of a dry run's plan. A removed path has the live release's hash and size and no blob action: it
/// is not in the new release, so nothing is sent or reused for it.
/// </summary>
public sealed record PlannedFileView(string Path, PathChange Change, string Hash, long Size, BlobAction? Action, string Reason)
{
    private const string RemovedReason = "not in the folder: gone from the site once this release is live";

    public static IReadOnlyList<PlannedFileView> Of(DeployPlan plan, bool listUnchanged)
    {
        var files = plan.Files.Where(f => listUnchanged || f.Change != FileChange.Unchanged)
            .Select(f => new PlannedFileView(f.SitePath, ToPathChange(f.Change), f.Hash.Hex, f.Size, f.Action, f.Reason));
        var removed = plan.Removed.Select(r => new PlannedFileView(r.SitePath, PathChange.Removed, r.Hash.Hex, r.Size, null, RemovedReason));
        return [.. files.Concat(removed).OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    /// <summary>The human line: the change first (what the user asked), then what the deploy does about it.</summary>
    public string Line() => Change switch
    {
        PathChange.Removed => $"  remove {Path}",
        _ => $"  {Verb,-6} {Path} ({Format.Bytes(Size)}): {(Action == BlobAction.Upload ? "upload" : "reuse")}, {Reason}",
    };

    private string Verb => Change switch
    {
        PathChange.Added => "add",
        PathChange.Changed => "change",
        _ => "keep",
    };

    private static PathChange ToPathChange(FileChange change) => change switch
    {
        FileChange.Added => PathChange.Added,
        FileChange.Changed => PathChange.Changed,
        _ => PathChange.Unchanged,
    };
}

/// <summary>An invalidation plan in numbers, with its worst-case price.</summary>
public sealed record InvalidationSummary(IReadOnlyList<string> Paths, int Wildcards, int Batches, string Reason, decimal WorstCaseCostUsd)
{
    public static InvalidationSummary From(InvalidationPlan plan, CdnLimits limits) =>
        new(plan.Paths, plan.WildcardCount, plan.Batches.Count, plan.Reason, plan.WorstCaseCostUsd(limits));
}

/// <summary>
/// Precompression in <c>--json</c>: variants made (compressed by this deploy) and reused (from the live release), how many
/// were sent and their bytes, the bytes compressed and what they came to, and the time spent compressing, summed over the cores that did it.
/// </summary>
public sealed record PrecompressView(int Made, int Reused, int Sent, long BytesSent, long SourceBytes, long CompressedBytes, long CompressMilliseconds)
{
    public static PrecompressView From(PrecompressSummary s) =>
        new(s.Made, s.Reused, s.Sent, s.BytesSent, s.SourceBytes, s.CompressedBytes, (long)s.CompressTime.TotalMilliseconds);

    /// <summary>Added to the summary line when there is anything to say: <c>, 12 precompressed (1.2 MiB → 210 KiB), 30 reused</c>.</summary>
    public string Phrase(bool dryRun) =>
        Made == 0 && Reused == 0 ? ""
        : dryRun ? $", {Made} precompressed forms to make, {Reused} reused"
        : $", {Made} precompressed forms made ({Format.Bytes(SourceBytes)} → {Format.Bytes(CompressedBytes)}, {Durations.Human(TimeSpan.FromMilliseconds(CompressMilliseconds))} compressing), {Reused} reused";
}
