namespace Jamdeploy.Precompression;

/// <summary>
/// Which files a deploy stores precompressed (brotli and gzip) beside their own bytes, bound from
/// <c>Deploy:Precompress</c>. The choice depends on a file's content type and size only, never on how well it
/// compresses: the content digest covers the coding names, so a redeploy must know them before compressing
/// anything (a no-op stays one request).
/// </summary>
public sealed record PrecompressOptions
{
    /// <summary>
    /// Media types compressed by default: text, scripts, data and fonts that are not compressed already. Images,
    /// audio, video, archives, woff and woff2 are compressed formats; a second pass only costs time.
    /// </summary>
    public static IReadOnlyList<string> DefaultTypes { get; } =
    [
        "text/*", "application/javascript", "application/json", "application/xml", "application/wasm",
        "application/*+json", "application/*+xml", "image/svg+xml", "image/x-icon", "image/bmp",
        "font/ttf", "font/otf", "application/vnd.ms-fontobject",
    ];

    /// <summary>False deploys files as they are, as <c>--no-precompress</c> does.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Brotli quality, 0 to 11. 5 is the default, measured on 150 pages of the Python docs: 12.1 % of the HTML's size
    /// at 27 MB/s a core, against 11.7 % at 3.8 MB/s (9) and 10.4 % at 0.27 MB/s (11). A first deploy pays for every
    /// byte of a site: at 11, the Rust docs (374 MiB) take tens of CPU-minutes; at 5, seconds, about what gzip costs.
    /// </summary>
    public int Quality { get; set; } = 5;

    /// <summary>
    /// Also a gzip form beside the brotli one. Every browser takes brotli, so the gzip form serves only other clients (and
    /// HTTP libraries); it is one more PUT a file: on the Python docs, a first deploy makes 2,059 requests without it, 3,048
    /// with. Changing it changes which forms every compressible file has, so the next deploy counts them all as changed.
    /// </summary>
    public bool Gzip { get; set; } = true;

    /// <summary>Files smaller than this are left alone: a 1,000-byte page saves less than a packet (CloudFront's floor too).</summary>
    public long MinBytes { get; set; } = 1024;

    /// <summary>Files larger than this are left alone (CloudFront's ceiling for compressing too): their variants would be held in memory.</summary>
    public long MaxBytes { get; set; } = 10_000_000;

    /// <summary>Media types compressed besides <see cref="DefaultTypes"/>: an exact type, <c>type/*</c>, or <c>type/*+suffix</c>.</summary>
    public IReadOnlyList<string> Types { get; set; } = [];

    public void Validate()
    {
        if (Quality is < 0 or > 11) throw new UsageException($"Deploy:Precompress:Quality must be between 0 and 11 (got {Quality})");
        if (MinBytes < 0) throw new UsageException($"Deploy:Precompress:MinBytes must not be negative (got {MinBytes})");
        if (MaxBytes < MinBytes) throw new UsageException($"Deploy:Precompress:MaxBytes must be at least MinBytes (got {MaxBytes})");
        if (MaxBytes > int.MaxValue / 2) throw new UsageException($"Deploy:Precompress:MaxBytes must be at most {int.MaxValue / 2} (got {MaxBytes})");
        foreach (var type in Types)
            if (!MediaTypePattern.IsValid(type))
                throw new UsageException($"Deploy:Precompress:Types: '{type}' is not a media type (write text/csv, text/*, or application/*+json)");
    }
}
