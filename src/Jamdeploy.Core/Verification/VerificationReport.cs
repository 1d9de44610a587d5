using Jamdeploy.Model;

namespace Jamdeploy.Verification;

/// <summary>Which releases <c>jamdeploy verify</c> looks at.</summary>
public abstract record VerifyTarget
{
    private VerifyTarget() { }

    public static VerifyTarget Live { get; } = new LiveRelease();
    public static VerifyTarget All { get; } = new AllReleases();
    public static VerifyTarget Release(ReleaseId id) => new OneRelease(id);

    public sealed record LiveRelease : VerifyTarget;
    public sealed record AllReleases : VerifyTarget;
    public sealed record OneRelease(ReleaseId Id) : VerifyTarget;
}

public enum BlobFault
{
    /// <summary>No object under the blob's key.</summary>
    Missing,
    /// <summary>The object's size is not the one the manifest records.</summary>
    WrongSize,
    /// <summary>The bytes do not hash to the blob's name (found only by a deep check).</summary>
    WrongContent,
}

/// <summary>One blob a release cannot serve, with the paths that would break.</summary>
public sealed record BlobProblem(ContentHash Hash, BlobFault Fault, string Detail, IReadOnlyList<string> Paths);

/// <summary>
/// One release's verdict. <see cref="ManifestProblem"/> is set when its manifest is missing or unreadable,
/// and then no blob was checked for it; or, for the live release, when the pointer's content digest is not
/// the manifest's.
/// </summary>
public sealed record ReleaseVerification(ReleaseId Id, bool IsLive, string? ManifestProblem, int Files, int Blobs, IReadOnlyList<BlobProblem> Problems)
{
    public bool Ok => ManifestProblem is null && Problems.Count == 0;
}

public sealed record VerificationReport(IReadOnlyList<ReleaseVerification> Releases, bool Deep, int BlobsChecked, long BytesHashed)
{
    public bool Ok => Releases.All(r => r.Ok);
}
