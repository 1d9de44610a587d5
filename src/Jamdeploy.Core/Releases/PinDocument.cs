using Jamdeploy.Model;

namespace Jamdeploy.Releases;

/// <summary>The body of a pin object, for people reading the store.</summary>
public sealed record PinDocument(ReleaseId Release, DateTimeOffset PinnedAt)
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public string? Note { get; init; }
}
