using Jamdeploy.Storage;

namespace Jamdeploy.Edge;

/// <summary>What a Range header asks of a body of a given size.</summary>
public enum RangeOutcome
{
    /// <summary>No usable Range header (absent, not bytes, malformed or several ranges): send everything with 200.</summary>
    Full,

    /// <summary>One satisfiable range: 206.</summary>
    Partial,

    /// <summary>A well-formed range that starts past the end: 416.</summary>
    Unsatisfiable,
}

/// <summary>
/// A single-range parser (RFC 9110 §14). A malformed header is ignored, as the RFC allows; several ranges
/// are answered with the whole body (also allowed) rather than multipart, which no browser needs.
/// </summary>
public static class ByteRangeRequest
{
    public static RangeOutcome Evaluate(string? header, long size, out ByteRange range)
    {
        range = default;
        if (string.IsNullOrEmpty(header)) return RangeOutcome.Full;
        var value = header.AsSpan().Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return RangeOutcome.Full;
        var spec = value[6..].Trim();
        if (spec.Contains(',')) return RangeOutcome.Full;
        var dash = spec.IndexOf('-');
        if (dash < 0) return RangeOutcome.Full;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();

        if (first.IsEmpty)
        {
            // "bytes=-N": the last N bytes.
            if (!TryDigits(last, out var suffix)) return RangeOutcome.Full;
            if (suffix == 0 || size == 0) return RangeOutcome.Unsatisfiable;
            range = new ByteRange(Math.Max(0, size - suffix), size - 1);
            return RangeOutcome.Partial;
        }
        if (!TryDigits(first, out var from)) return RangeOutcome.Full;
        long to;
        if (last.IsEmpty) to = size - 1;
        else if (!TryDigits(last, out to) || to < from) return RangeOutcome.Full;
        if (from >= size) return RangeOutcome.Unsatisfiable;
        range = new ByteRange(from, Math.Min(to, size - 1));
        return RangeOutcome.Partial;
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18) return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
