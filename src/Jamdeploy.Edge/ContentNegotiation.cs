using System.Globalization;
using Jamdeploy.Manifests;
using Jamdeploy.Model;
using Microsoft.Extensions.Primitives;

namespace Jamdeploy.Edge;

/// <summary>One stored form of a file: its bytes as they are (<see cref="Coding"/> null) or precompressed.</summary>
internal readonly record struct Representation(string? Coding, ContentHash Hash, long Size);

/// <summary>
/// Accept-Encoding (RFC 9110 §12.5.3): among the forms a file is stored in, the smallest the client accepts. A coding
/// is accepted with a q-value above 0, named or through <c>*</c>; identity is accepted unless refused (<c>identity;q=0</c>,
/// or <c>*;q=0</c> without naming it). When the client refuses every form it gets the file as it is: an answer it may
/// not like beats a 406 from a static site.
/// </summary>
internal static class ContentNegotiation
{
    public static Representation Choose(ManifestEntry entry, StringValues acceptEncoding)
    {
        var identity = new Representation(null, entry.Hash, entry.Size);
        if (entry.Encodings is not { Count: > 0 } encodings || acceptEncoding.Count == 0) return identity;
        var accepted = Parse(acceptEncoding);
        var best = Weight(accepted, "identity") > 0 ? identity : (Representation?)null;
        foreach (var (coding, blob) in encodings)
            if (Weight(accepted, coding) > 0 && (best is null || blob.Size < best.Value.Size))
                best = new Representation(coding, blob.Hash, blob.Size);
        return best ?? identity;
    }

    private static double Weight(Dictionary<string, double> accepted, string coding) =>
        accepted.TryGetValue(coding, out var q) ? q
        : accepted.TryGetValue("*", out var any) ? (coding == "identity" && any == 0 && !accepted.ContainsKey("identity") ? 0 : any)
        : coding == "identity" ? 1 : 0;

    /// <summary>Coding → q-value; a coding listed twice keeps its first q. A malformed q counts as 0 (RFC: q is 0 to 1, three decimals).</summary>
    private static Dictionary<string, double> Parse(StringValues values)
    {
        var accepted = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values)
        {
            if (value is null) continue;
            foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = item.Split(';', StringSplitOptions.TrimEntries);
                var q = 1.0;
                foreach (var parameter in parts.Skip(1))
                {
                    var equals = parameter.IndexOf('=');
                    if (equals < 0 || !parameter[..equals].Trim().Equals("q", StringComparison.OrdinalIgnoreCase)) continue;
                    q = double.TryParse(parameter[(equals + 1)..].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed)
                        && parsed is >= 0 and <= 1 ? parsed : 0;
                }
                accepted.TryAdd(parts[0], q);
            }
        }
        return accepted;
    }
}
