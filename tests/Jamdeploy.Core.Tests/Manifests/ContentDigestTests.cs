using System.Collections.Immutable;
using Jamdeploy.Core.Tests.Invalidation;
using Jamdeploy.Manifests;
using Jamdeploy.Model;

namespace Jamdeploy.Core.Tests.Manifests;

/// <summary>The digest the live pointer carries decides a no-op deploy: it must change exactly when the served site does.</summary>
public sealed class ContentDigestTests
{
    private static readonly Manifest Base = WithHeader(SomeManifest.From("/index.html=home", "/about/index.html=about"));

    [Fact]
    public void Digest_SameFilesInAnotherRelease_IsTheSame()
    {
        var other = WithHeader(SomeManifest.From("/about/index.html=about", "/index.html=home")) with
        {
            Created = DateTimeOffset.UnixEpoch.AddDays(3),
            Message = "redeploy",
            Commit = "abc1234",
            Source = "/elsewhere",
        };

        Assert.Equal(Base.ContentDigest(), other.ContentDigest());
        Assert.True(Base.HasSameContentAs(other));
    }

    public static TheoryData<string, Func<Manifest, Manifest>> ChangesAUserWouldSee => new()
    {
        { "content", m => Replace(m, "/index.html", e => e with { Hash = ContentHash.Of("home v2"u8) }) },
        { "size", m => Replace(m, "/index.html", e => e with { Size = e.Size + 1 }) },
        { "content type", m => Replace(m, "/index.html", e => e with { ContentType = "text/plain; charset=utf-8" }) },
        { "a header", m => Replace(m, "/index.html", e => e with { Headers = ImmutableSortedDictionary<string, string>.Empty.Add("X-A", "bc").Add("X-Frame-Options", "DENY") }) },
        { "a path", m => m with { Files = m.Files.Remove("/about/index.html").Add("/about.html", m.Files["/about/index.html"]) } },
        { "a file removed", m => m with { Files = m.Files.Remove("/about/index.html") } },
        { "a file added", m => m with { Files = m.Files.Add("/new.html", m.Files["/index.html"]) } },
        // Length prefixes keep fields apart: moving a character from one field to the next is a change.
        { "a character moved from a header's name to its value", m => Replace(m, "/index.html", e => e with { Headers = ImmutableSortedDictionary<string, string>.Empty.Add("X-Ab", "c") }) },
    };

    [Theory]
    [MemberData(nameof(ChangesAUserWouldSee))]
    public void Digest_AnyChangeToWhatIsServed_Differs(string change, Func<Manifest, Manifest> apply)
    {
        var changed = apply(Base);

        Assert.False(Base.HasSameContentAs(changed), change);
        Assert.NotEqual(Base.ContentDigest(), changed.ContentDigest());
    }

    [Fact]
    public void DigestOf_FilesOutOfPathOrder_IsRefusedRatherThanGivingAnotherDigest()
    {
        var files = Base.Files.Reverse().ToList();

        Assert.Throws<ArgumentException>(() => Manifest.DigestOf(files, null));
        Assert.Equal(Base.ContentDigest(), Manifest.DigestOf(Base.Files.ToList(), null));
    }

    private static Manifest WithHeader(Manifest m) =>
        Replace(m, "/index.html", e => e with { Headers = ImmutableSortedDictionary<string, string>.Empty.Add("X-A", "bc") });

    private static Manifest Replace(Manifest m, string path, Func<ManifestEntry, ManifestEntry> change) =>
        m with { Files = m.Files.SetItem(path, change(m.Files[path])) };
}
