using Jamdeploy.Hashing;
using Jamdeploy.Manifests;
using Jamdeploy.Model;

namespace Jamdeploy.Planning;

public enum BlobAction { Upload, Reuse }

/// <summary>What happens to one file, and why (the user sees the reason in --dry-run and --json).</summary>
public sealed record PlannedFile(string SitePath, ContentHash Hash, long Size, BlobAction Action, string Reason);

/// <summary>One blob to send, from the first file that has its content.</summary>
public sealed record BlobUpload(ContentHash Hash, HashedFile Source, string ContentType, bool Refresh, string Reason);

/// <summary>Stage 3's answer: the release to write and the blobs the store does not have yet.</summary>
public sealed record DeployPlan(Manifest Release, IReadOnlyList<PlannedFile> Files, IReadOnlyList<BlobUpload> Uploads)
{
    public long BytesToSend => Uploads.Sum(u => u.Source.Length);
    public int ReusedFiles => Files.Count(f => f.Action == BlobAction.Reuse);
}
