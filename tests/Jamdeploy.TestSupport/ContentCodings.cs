using System.IO.Compression;

namespace Jamdeploy.TestSupport;

/// <summary>Decodes a body sent or stored in a content-coding, to compare it with the file it stands for.</summary>
public static class ContentCodings
{
    /// <summary>The bytes <paramref name="body"/> encodes; the body itself when <paramref name="coding"/> is null (identity).</summary>
    public static byte[] Decode(byte[] body, string? coding)
    {
        if (coding is null) return body;
        using var input = new MemoryStream(body);
        using Stream decoder = coding switch
        {
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            _ => throw new ArgumentException($"no decoder for the content-coding '{coding}'", nameof(coding)),
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }
}
