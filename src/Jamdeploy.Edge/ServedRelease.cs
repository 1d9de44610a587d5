using System.Collections.Frozen;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Releases;
using Jamdeploy.Rules;

namespace Jamdeploy.Edge;

/// <summary>A release as the edge holds it: its manifest's files in a lookup-optimised, immutable map, and its site rules compiled.</summary>
public sealed record ServedRelease(ReleaseId Id, FrozenDictionary<string, ManifestEntry> Files)
{
    public SiteRuleSet Rules { get; init; } = SiteRuleSet.Empty;

    public static ServedRelease From(Manifest manifest) =>
        new(manifest.Id, manifest.Files.ToFrozenDictionary(StringComparer.Ordinal)) { Rules = SiteRuleSet.From(manifest.Rules) };
}

/// <summary>What the live pointer said at one read: the live release (null before the first deploy) and the pointer itself.</summary>
public sealed record LiveState(ServedRelease? Release, LivePointer? Pointer)
{
    public static LiveState NothingDeployed { get; } = new(null, null);
}
