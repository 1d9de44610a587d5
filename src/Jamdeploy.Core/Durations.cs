using System.Globalization;

namespace Jamdeploy;

/// <summary>
/// The one owner of how durations are read and written: <see cref="Parse"/> and <see cref="Setting"/> for what
/// people type (<c>90m</c>, <c>7d</c>), <see cref="Human"/> for what people read in a line or a log (a retry delay,
/// an ETA, an elapsed time): never a raw TimeSpan such as <c>00:00:46.2820196</c>.
/// </summary>
public static class Durations
{
    /// <summary>
    /// Reads a duration as people type it on a command line: a number and one unit, <c>s</c>, <c>m</c>,
    /// <c>h</c> or <c>d</c> ("90m", "24h", "7d", "0"), or a TimeSpan as the configuration file writes it
    /// ("1.00:00:00"). A bare 0 is allowed; any other bare number is refused because the unit would be a guess.
    /// </summary>
    public static TimeSpan Parse(string text, string setting)
    {
        var trimmed = text.Trim();
        if (trimmed == "0") return TimeSpan.Zero;
        if (trimmed.Contains(':') && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero) return span;
        if (trimmed.Length >= 2
            && double.TryParse(trimmed[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            && double.IsFinite(amount))
        {
            TimeSpan? duration = char.ToLowerInvariant(trimmed[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (duration is { } d) return d;
        }
        throw new UsageException($"{setting}: '{text}' is not a duration; write a number and a unit, e.g. 30m, 24h or 7d");
    }

    /// <summary>A duration the way <see cref="Parse"/> reads it back (<c>7d</c>, <c>36h</c>, <c>1.5s</c>): defaults in help, settings in --json.</summary>
    public static string Setting(TimeSpan duration) => duration switch
    {
        { Ticks: 0 } => "0",
        _ when duration.TotalDays >= 1 && duration.TotalDays == Math.Floor(duration.TotalDays) => $"{duration.TotalDays:0}d",
        _ when duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) => $"{duration.TotalHours:0}h",
        _ when duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) => $"{duration.TotalMinutes:0}m",
        _ => $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s",
    };

    /// <summary>
    /// A duration for people, to the precision that matters at its size: <c>250 ms</c>, <c>4.6 s</c>, <c>46 s</c>,
    /// <c>1 min 14 s</c>, <c>2 h 5 min</c>, <c>3 d 4 h</c>.
    /// </summary>
    public static string Human(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero) return "-" + Human(duration.Negate());
        var c = CultureInfo.InvariantCulture;
        if (duration < TimeSpan.FromSeconds(1)) return $"{Math.Round(duration.TotalMilliseconds).ToString("0", c)} ms";
        if (duration < TimeSpan.FromSeconds(9.95)) return $"{duration.TotalSeconds.ToString("0.0", c)} s";
        // Whole seconds from here on: rounding may carry into the next unit (59.6 s is 1 min 0 s).
        var seconds = (long)Math.Round(duration.TotalSeconds);
        if (seconds < 60) return $"{seconds.ToString(c)} s";
        if (seconds < 3600) return Two(seconds / 60, "min", seconds % 60, "s");
        var minutes = (long)Math.Round(duration.TotalMinutes);
        if (minutes < 24 * 60) return Two(minutes / 60, "h", minutes % 60, "min");
        var hours = (long)Math.Round(duration.TotalHours);
        return Two(hours / 24, "d", hours % 24, "h");

        string Two(long big, string bigUnit, long small, string smallUnit) =>
            small == 0 ? $"{big.ToString(c)} {bigUnit}" : $"{big.ToString(c)} {bigUnit} {small.ToString(c)} {smallUnit}";
    }
}
