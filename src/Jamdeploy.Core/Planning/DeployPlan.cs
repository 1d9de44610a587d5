using Jamdeploy.Hashing;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Precompression;

namespace Jamdeploy.Planning;

public enum BlobAction { Upload, Reuse }

/// <summary>What a path of the new release is to the live one (every path of a first release is added).</summary>
public enum FileChange { Added, Changed, Unchanged }

/// <summary>What happens to one file, and why (the user sees the reason in --dry-run and --json).</summary>
public sealed record PlannedFile(string SitePath, ContentHash Hash, long Size, FileChange Change, BlobAction Action, string Reason);

/// <summary>A path of the live release that the new one no longer has: gone from the site once it goes live.</summary>
public sealed record RemovedFile(string SitePath, ContentHash Hash, long Size);

/// <summary>One blob to send, from the first file that has its content.</summary>
public sealed record BlobUpload(ContentHash Hash, HashedFile Source, string ContentType, bool Refresh, string Reason);

/// <summary>Stage 3's answer: the release to write and the blobs the store does not have yet.</summary>
public sealed record DeployPlan(Manifest Release, IReadOnlyList<PlannedFile> Files, IReadOnlyList<BlobUpload> Uploads)
{
    /// <summary>The live release's paths that this one drops, in ordinal order.</summary>
    public IReadOnlyList<RemovedFile> Removed { get; init; } = [];

    /// <summary>The precompressed forms: taken from the live release, or to be made (and sent) by this deploy.</summary>
    public VariantPlan Variants { get; init; } = VariantPlan.None;

    /// <summary>What the plan's look at the store found: tells, after compressing, whether a variant is stored already.</summary>
    public BlobPresence? Presence { get; init; }

    /// <summary>Why a file whose content the store holds already, though no live release has it, is not sent.</summary>
    public const string AlreadyStored = "already stored (sent by an earlier, unfinished deploy)";

    /// <summary>
    /// The plan as carried out when the store refused some of its blobs' conditional writes: it holds them already, so
    /// they were not sent (not stored twice) and their files reuse them.
    /// </summary>
    public DeployPlan FoundStored(IReadOnlySet<ContentHash> stored) =>
        stored.Count == 0 ? this : this with
        {
            Uploads = [.. Uploads.Where(u => !stored.Contains(u.Hash))],
            Files = [.. Files.Select(f => f.Action == BlobAction.Upload && stored.Contains(f.Hash) ? f with { Action = BlobAction.Reuse, Reason = AlreadyStored } : f)],
        };

    public long BytesToSend => Uploads.Sum(u => u.Source.Length);
    public int ReusedFiles => Files.Count(f => f.Action == BlobAction.Reuse);
    public int Added => Files.Count(f => f.Change == FileChange.Added);
    public int Changed => Files.Count(f => f.Change == FileChange.Changed);
    public int Unchanged => Files.Count(f => f.Change == FileChange.Unchanged);
}
