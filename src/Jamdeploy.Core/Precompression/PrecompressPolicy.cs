using System.Collections.Immutable;
using Jamdeploy.Manifests;

namespace Jamdeploy.Precompression;

/// <summary>
/// Decides which content-codings a file gets, by its content type and size alone (see <see cref="PrecompressOptions"/>).
/// </summary>
public sealed class PrecompressPolicy
{
    public const string Brotli = "br";
    public const string Gzip = "gzip";

    /// <summary>Both codings every browser of the last decade accepts; the edges send the smaller one a client takes.</summary>
    public static readonly ImmutableArray<string> AllCodings = [Brotli, Gzip];

    private readonly PrecompressOptions _options;
    private readonly MediaTypePattern[] _types;

    public PrecompressPolicy(PrecompressOptions options)
    {
        _options = options;
        _types = [.. PrecompressOptions.DefaultTypes.Concat(options.Types).Select(MediaTypePattern.Parse)];
        Codings = options.Gzip ? AllCodings : [Brotli];
    }

    /// <summary>The forms each compressed file gets, by the settings alone (so they are known before compressing).</summary>
    public ImmutableArray<string> Codings { get; }

    public static PrecompressPolicy Disabled { get; } = new(new PrecompressOptions { Enabled = false });

    public PrecompressOptions Options => _options;

    public bool Compresses(string contentType, long size)
    {
        if (!_options.Enabled || size < _options.MinBytes || size > _options.MaxBytes) return false;
        var semicolon = contentType.IndexOf(';');
        var media = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        foreach (var type in _types)
            if (type.Matches(media)) return true;
        return false;
    }
}

/// <summary>A media type as the settings write it: exact (<c>text/csv</c>), <c>text/*</c>, or <c>application/*+json</c>.</summary>
public readonly record struct MediaTypePattern(string Type, string? Subtype, string? Suffix)
{
    public static bool IsValid(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 && slash < text.Length - 1 && text.IndexOf('/', slash + 1) < 0 && !text.Any(char.IsWhiteSpace) && !text.Contains(';');
    }

    public static MediaTypePattern Parse(string text)
    {
        var slash = text.IndexOf('/');
        var type = text[..slash].ToLowerInvariant();
        var subtype = text[(slash + 1)..].ToLowerInvariant();
        return subtype == "*" ? new(type, null, null)
            : subtype.StartsWith("*+", StringComparison.Ordinal) ? new(type, null, subtype[1..])
            : new(type, subtype, null);
    }

    public bool Matches(string media)
    {
        var slash = media.IndexOf('/');
        if (slash < 0 || !media.AsSpan(0, slash).Equals(Type, StringComparison.OrdinalIgnoreCase)) return false;
        var subtype = media.AsSpan(slash + 1);
        return Subtype is not null ? subtype.Equals(Subtype, StringComparison.OrdinalIgnoreCase)
            : Suffix is null || subtype.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase);
    }
}
