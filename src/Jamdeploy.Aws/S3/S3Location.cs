using System.Diagnostics.CodeAnalysis;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// Where a site lives in S3: a bucket and a key prefix, written <c>s3://bucket/prefix</c> on the command line.
/// The prefix never starts or ends with '/'; an empty prefix puts the site at the bucket's root.
/// </summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3://";

    /// <summary>The object key for a key relative to the site (as <c>StoreLayout</c> makes it).</summary>
    public string ObjectKey(string relativeKey) => Prefix.Length == 0 ? relativeKey : Prefix + "/" + relativeKey;

    /// <summary>The key relative to the site for an object key under <see cref="Prefix"/>.</summary>
    public string RelativeKey(string objectKey) => Prefix.Length == 0 ? objectKey : objectKey[(Prefix.Length + 1)..];

    public override string ToString() => Prefix.Length == 0 ? Scheme + Bucket : Scheme + Bucket + "/" + Prefix;

    public static bool IsS3Url([NotNullWhen(true)] string? text) =>
        text is not null && text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>s3://bucket</c> or <c>s3://bucket/some/prefix/</c>; a bad one is a usage error.</summary>
    public static S3Location Parse(string text)
    {
        if (!IsS3Url(text))
            throw new UsageException($"'{text}' is not an S3 location: write s3://bucket or s3://bucket/prefix");

        var rest = text[Scheme.Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');

        if (!IsValidBucketName(bucket))
            throw new UsageException($"'{bucket}' in '{text}' is not a valid S3 bucket name: write s3://bucket/prefix with a bucket of 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, not shaped like an IP address");
        if (prefix.Contains("//", StringComparison.Ordinal) || prefix.Split('/').Any(segment => segment is "." or ".."))
            throw new UsageException($"the key prefix '{prefix}' in '{text}' has an empty, '.' or '..' segment");
        if (prefix.Contains('?') || prefix.Contains('#'))
            throw new UsageException($"the key prefix '{prefix}' in '{text}' has a '?' or '#': give options in the configuration, not in the URL");
        return new S3Location(bucket, prefix);
    }

    // The rules S3 applies to new general purpose buckets, so a typo fails here with a clear line instead of at the
    // first request: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    private static bool IsValidBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0])
        && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("..", StringComparison.Ordinal)
        && !IsIpAddressShaped(name)
        && !ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
        && !ReservedSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    private static bool IsIpAddressShaped(string name) =>
        name.Split('.') is { Length: 4 } parts && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
}
