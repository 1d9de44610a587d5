using System.Collections.Immutable;
using System.Text;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Jamdeploy.Releases;

namespace Jamdeploy.Core.Tests.Manifests;

/// <summary>The documents in a store are a format users and other tools depend on: snapshot them.</summary>
public sealed class StoreDocumentsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 10, 15, 0, TimeSpan.Zero);
    private static readonly ContentHash Hash = ContentHash.Of("hello"u8);

    [Fact]
    public void Manifest_Serialized_MatchesTheDocumentedFormatWithoutIndentation()
    {
        var manifest = new Manifest(ReleaseId.Parse("20261124-101500-3f9a1c"), At,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                [KeyValuePair.Create("/index.html", new ManifestEntry(Hash, 5, "text/html; charset=utf-8"))]))
        { Message = "ship it", Commit = "abc123", Source = "/ci/public" };

        var json = Encoding.UTF8.GetString(StoreDocuments.Serialize(manifest));

        Assert.Equal(Compact("""
            {
              "id": "20261124-101500-3f9a1c",
              "created": "2026-11-24T10:15:00+00:00",
              "files": {
                "/index.html": {
                  "hash": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                  "size": 5,
                  "contentType": "text/html; charset=utf-8"
                }
              },
              "format": 1,
              "message": "ship it",
              "commit": "abc123",
              "source": "/ci/public"
            }
            """), json);
        Assert.Equal(manifest.Files, StoreDocuments.ReadManifest(Encoding.UTF8.GetBytes(json), "m", manifest.Id).Files);
    }

    /// <summary>
    /// A release with site rules or precompressed files is format 2, so an older jamdeploy refuses it by name instead
    /// of serving it without its redirects and headers; the rules and encodings read back as written.
    /// </summary>
    [Fact]
    public void Manifest_WithRulesAndEncodings_IsFormatTwoAndReadsBack()
    {
        var br = ContentHash.Of("br"u8);
        var gzip = ContentHash.Of("gzip"u8);
        var manifest = new Manifest(ReleaseId.Parse("20261124-101500-3f9a1c"), At,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                [KeyValuePair.Create("/index.html", new ManifestEntry(Hash, 5, "text/html; charset=utf-8")
                {
                    Encodings = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                        [KeyValuePair.Create("gzip", new EncodedBlob(gzip, 4)), KeyValuePair.Create("br", new EncodedBlob(br, 2))]),
                })]))
        {
            Rules = new SiteRules(
                [new HeaderRule("/*", ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("X-Frame-Options", "DENY")]))],
                [new RedirectRule("/old/*", "/new/:splat", 301, Force: false), new RedirectRule("/app/*", "/app/index.html", 200, Force: true)]),
        };

        var json = Encoding.UTF8.GetString(StoreDocuments.Serialize(manifest));

        Assert.Equal(Compact($$"""
            {
              "id": "20261124-101500-3f9a1c",
              "created": "2026-11-24T10:15:00+00:00",
              "files": {
                "/index.html": {
                  "hash": "{{Hash.Hex}}",
                  "size": 5,
                  "contentType": "text/html; charset=utf-8",
                  "encodings": {
                    "br": {
                      "hash": "{{br.Hex}}",
                      "size": 2
                    },
                    "gzip": {
                      "hash": "{{gzip.Hex}}",
                      "size": 4
                    }
                  }
                }
              },
              "format": 2,
              "rules": {
                "headers": [
                  {
                    "path": "/*",
                    "headers": {
                      "X-Frame-Options": "DENY"
                    }
                  }
                ],
                "redirects": [
                  {
                    "from": "/old/*",
                    "to": "/new/:splat",
                    "status": 301,
                    "force": false
                  },
                  {
                    "from": "/app/*",
                    "to": "/app/index.html",
                    "status": 200,
                    "force": true
                  }
                ]
              }
            }
            """), json);
        var read = StoreDocuments.ReadManifest(Encoding.UTF8.GetBytes(json), "m", manifest.Id);
        Assert.Equal(2, read.Format);
        Assert.True(read.HasSameContentAs(manifest));
        Assert.Equal(manifest.ContentDigest(), read.ContentDigest());
        Assert.Equal(new[] { Hash, br, gzip }.OrderBy(h => h.Hex), read.Blobs.OrderBy(h => h.Hex));
    }

    /// <summary>
    /// Paths come back in ordinal order, the order they are written and digested in (a Next.js site has
    /// <c>/_next/…</c> next to <c>/404.html</c>, which the culture sorts the other way), and two paths that
    /// differ only by a character the culture ignores stay two paths.
    /// </summary>
    [Fact]
    public void Manifest_ReadBack_KeepsOrdinalPathOrderAndEveryDistinctPath()
    {
        string[] paths = ["/404.html", "/_next/app.js", "/a.html", "/a\u200d.html", "/Z.html"];
        var entry = new ManifestEntry(ContentHash.Of("x"u8), 1, "text/html; charset=utf-8");
        var written = new Manifest(ReleaseId.Parse("r1"), At, paths.ToImmutableSortedDictionary(p => p, _ => entry, StringComparer.Ordinal));

        var read = StoreDocuments.ReadManifest(StoreDocuments.Serialize(written), "m", written.Id);

        Assert.Equal(paths.Order(StringComparer.Ordinal), read.Files.Keys);
        Assert.Equal(written.ContentDigest(), read.ContentDigest());
    }

    /// <summary>
    /// A file entry is read by hand (issue #16), as the serializer read it: names in any casing and properties this
    /// version does not know are taken, so a manifest written by hand or by a newer jamdeploy of the same format reads.
    /// </summary>
    [Fact]
    public void Manifest_EntriesInAnyCasingWithUnknownProperties_ReadAsWritten()
    {
        var br = ContentHash.Of("br"u8);
        var json = """
            {"id": "r1", "created": "2026-11-24T10:15:00+00:00", "format": 2, "files": {
              "/a.html": {"Hash": "HASH_A", "SIZE": 5, "later": {"x": [1, {"y": null}]}, "contenttype": "text/html",
                          "headers": {"X-A": "1"}, "encodings": {"br": {"size": 2, "note": "n", "HASH": "HASH_BR"}}},
              "/b.css": {"contentType": "text/css", "hash": "HASH_BR", "size": 2, "headers": null, "encodings": null}}}
            """.Replace("HASH_A", Hash.Hex).Replace("HASH_BR", br.Hex);

        var files = StoreDocuments.ReadManifest(Encoding.UTF8.GetBytes(json), "m", ReleaseId.Parse("r1")).Files;

        Assert.Equal(["/a.html", "/b.css"], files.Keys);
        var a = files["/a.html"];
        Assert.Equal((Hash, 5L, "text/html"), (a.Hash, a.Size, a.ContentType));
        Assert.Equal("1", a.Headers!["X-A"]);
        Assert.Equal(new EncodedBlob(br, 2), a.Encodings!["br"]);
        Assert.Equal(new ManifestEntry(br, 2, "text/css"), files["/b.css"]);
    }

    /// <summary>An entry that lacks what serving it needs, or has it in the wrong form, makes the manifest corrupt: named, never half read.</summary>
    [Theory]
    [InlineData("""{"size": 5, "contentType": "text/html"}""")]
    [InlineData("""{"hash": "H", "contentType": "text/html"}""")]
    [InlineData("""{"hash": "H", "size": 5}""")]
    [InlineData("""{"hash": null, "size": 5, "contentType": "text/html"}""")]
    [InlineData("""{"hash": "H", "size": 5, "contentType": null}""")]
    [InlineData("""{"hash": "H", "size": 5, "contentType": 5}""")]
    [InlineData("""{"hash": 5, "size": 5, "contentType": "text/html"}""")]
    [InlineData("""{"hash": "H", "size": 5, "contentType": "text/html", "headers": {"X-A": 1}}""")]
    [InlineData("""{"hash": "H", "size": "5", "contentType": "text/html"}""")]
    [InlineData("""{"hash": "H", "size": 5.5, "contentType": "text/html"}""")]
    [InlineData("""{"hash": "H", "size": 5, "contentType": "text/html", "encodings": {"br": {"hash": "H"}}}""")]
    [InlineData("""{"hash": "H", "size": 5, "contentType": "text/html", "encodings": {"br": null}}""")]
    [InlineData("""{"hash": "H", "size": 5, "contentType": "text/html", "encodings": []}""")]
    [InlineData("""{"hash": "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", "size": 5, "contentType": "text/html"}""")]
    [InlineData("null")]
    [InlineData("[]")]
    public void Manifest_WithAnEntryMissingOrMistyped_IsCorrupt(string entry)
    {
        var json = """{"id": "r1", "created": "2026-11-24T10:15:00+00:00", "files": {"/a.html": """
            + entry.Replace("\"H\"", $"\"{Hash.Hex}\"") + "}}";

        var e = Assert.Throws<CorruptStoreException>(() => StoreDocuments.ReadManifest(Encoding.UTF8.GetBytes(json), "/store/releases/r1.json", ReleaseId.Parse("r1")));

        Assert.StartsWith("/store/releases/r1.json: the release manifest is corrupt (", e.Message);
    }

    /// <summary>The pointer's stored form: what other jamdeploy versions and serve read. Nothing derivable is stored.</summary>
    [Fact]
    public void Pointer_Serialized_MatchesTheSnapshot()
    {
        var a = ReleaseId.Parse("20261124-080000-aaaaaa");
        var b = ReleaseId.Parse("20261124-090000-bbbbbb");
        var digest = ContentHash.Of("site"u8);
        var pointer = LivePointer.First(a, At, FlipAction.Deploy).MoveTo(b, At.AddMinutes(1), FlipAction.Rollback, liveDigest: digest);

        Assert.Equal(
            $$"""
            {
              "live": "20261124-090000-bbbbbb",
              "history": [
                {
                  "release": "20261124-080000-aaaaaa",
                  "at": "2026-11-24T10:15:00+00:00",
                  "action": "deploy"
                },
                {
                  "release": "20261124-090000-bbbbbb",
                  "at": "2026-11-24T10:16:00+00:00",
                  "action": "rollback"
                }
              ],
              "format": 1,
              "liveDigest": {
                "release": "20261124-090000-bbbbbb",
                "content": "{{digest.Hex}}"
              }
            }
            """,
            Encoding.UTF8.GetString(StoreDocuments.Serialize(pointer)).ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// #16: a cleanup's mark makes the pointer format 2 (an older jamdeploy refuses it rather than flip over the mark
    /// or write it back without it); every move keeps the mark, and once it is taken out the pointer is format 1 again,
    /// as every older reader (and the CloudFront origin of older versions) reads it.
    /// </summary>
    [Fact]
    public void Pointer_WithACleanupMark_IsFormatTwo_KeepsItThroughMoves_AndIsFormatOneWithoutIt()
    {
        var a = ReleaseId.Parse("20261124-080000-aaaaaa");
        var old = ReleaseId.Parse("20261101-080000-000000");
        var mark = new CleanupMark("token1", At, [old]);
        var marked = LivePointer.First(a, At, FlipAction.Deploy) with { Deleting = mark };

        var json = Encoding.UTF8.GetString(StoreDocuments.Serialize(marked));
        var read = StoreDocuments.ReadPointer(Encoding.UTF8.GetBytes(json), "p");
        var moved = read.MoveTo(ReleaseId.Parse("b2"), At.AddMinutes(1), FlipAction.Promote);
        var unmarked = Encoding.UTF8.GetString(StoreDocuments.Serialize(moved with { Deleting = null }));

        Assert.Contains("\"format\": 2", json);
        Assert.Contains("\"deleting\": {\n    \"cleanup\": \"token1\",\n    \"since\": \"2026-11-24T10:15:00+00:00\",\n    \"releases\": [\n      \"20261101-080000-000000\"\n    ]\n  }", json.ReplaceLineEndings("\n"));
        Assert.Equal(2, read.FormatAsRead);
        Assert.True(read.Deleting!.Names(old));
        Assert.True(moved.Deleting!.Names(old));
        Assert.Contains("\"format\": 1", unmarked);
        Assert.DoesNotContain("deleting", unmarked);
    }

    [Fact]
    public void Pointer_RoundTrips_WithItsHistory()
    {
        var a = ReleaseId.Parse("a1");
        var b = ReleaseId.Parse("b2");
        var pointer = LivePointer.First(a, At, FlipAction.Deploy).MoveTo(b, At.AddMinutes(1), FlipAction.Deploy);
        var read = StoreDocuments.ReadPointer(StoreDocuments.Serialize(pointer), "p");
        Assert.Equal(b, read.Live);
        Assert.Equal(pointer.History, read.History);
        Assert.Contains("\"action\": \"deploy\"", Encoding.UTF8.GetString(StoreDocuments.Serialize(pointer)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"live\": \"UPPER\", \"history\": []}")]
    [InlineData("{\"history\": []}")]
    [InlineData("{\"live\": \"a\", \"history\": [], \"format\": 99}")]
    public void ReadPointer_Corrupt_ThrowsCorruptStoreNamingTheDocument(string json)
    {
        var e = Assert.Throws<CorruptStoreException>(() => StoreDocuments.ReadPointer(Encoding.UTF8.GetBytes(json), "/store/live.json"));
        Assert.StartsWith("/store/live.json: ", e.Message);
    }
    /// <summary>
    /// A newer jamdeploy's document may differ in more than its format number; it is named as a format to
    /// upgrade for, not as corruption to restore from a backup (each reader used to say "corrupt").
    /// </summary>
    [Theory]
    [InlineData("""{"format": 3, "pointsAt": "r1"}""")]
    [InlineData("""{"pointsAt": "r1", "format": 3}""")]
    public void Read_NewerFormatOfAnotherShape_NamesTheFormat(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var pointer = Assert.Throws<CorruptStoreException>(() => StoreDocuments.ReadPointer(bytes, "/store/live.json"));
        var manifest = Assert.Throws<CorruptStoreException>(() => StoreDocuments.ReadManifest(bytes, "/store/releases/r1.json", ReleaseId.Parse("r1")));
        var lease = Assert.Throws<CorruptStoreException>(() => StoreDocuments.TryReadLease(bytes, "/store/lease.json"));

        Assert.Equal("/store/live.json: live pointer format 3 is not supported by this jamdeploy (expects 1 to 2)", pointer.Message);
        Assert.Equal("/store/releases/r1.json: release manifest format 3 is not supported by this jamdeploy (expects 1 to 2)", manifest.Message);
        Assert.Equal("/store/lease.json: store lease format 3 is not supported by this jamdeploy (expects 1)", lease.Message);
    }

    /// <summary>
    /// The expected document written indented for people, without the whitespace outside strings: a manifest is
    /// stored compact (machines read it, and it grows with the site).
    /// </summary>
    private static string Compact(string indented)
    {
        var compact = new StringBuilder(indented.Length);
        var inString = false;
        for (var i = 0; i < indented.Length; i++)
        {
            var c = indented[i];
            if (inString)
            {
                compact.Append(c);
                if (c == '\\') compact.Append(indented[++i]);
                else if (c == '"') inString = false;
            }
            else if (c == '"')
            {
                inString = true;
                compact.Append(c);
            }
            else if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }
        return compact.ToString();
    }

    /// <summary>
    /// The documents are read and written from compile-time metadata (start-up, issue #16): one left out of the
    /// context would still work, through reflection, and quietly cost every fresh process the reflection serializer.
    /// </summary>
    [Theory]
    [InlineData(typeof(Manifest))]
    [InlineData(typeof(LivePointer))]
    [InlineData(typeof(PinDocument))]
    [InlineData(typeof(LeaseDocument))]
    [InlineData(typeof(ManifestEntry))]
    [InlineData(typeof(ImmutableSortedDictionary<string, ManifestEntry>))]
    [InlineData(typeof(ImmutableSortedDictionary<string, EncodedBlob>))]
    [InlineData(typeof(ImmutableSortedDictionary<string, string>))]
    public void Document_HasCompileTimeJsonMetadata(Type type) =>
        Assert.NotNull(StoreDocumentsJsonContext.Default.GetTypeInfo(type));
}
