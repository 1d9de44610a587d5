using System.Globalization;

namespace Jamdeploy.Cleanup;

/// <summary>
/// What cleanup keeps besides the live release, pinned releases and the rollback target, and how much one
/// run may delete. Defaults live here and nowhere else; the <c>Cleanup</c> configuration section and the command's flags override them.
/// </summary>
public sealed record RetentionRules
{
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromHours(24);

    public static RetentionRules Default { get; } = new();

    /// <summary>The newest releases (by creation time) kept whatever their age.</summary>
    public int KeepLast { get; init; } = 10;

    /// <summary>Releases younger than this are kept.</summary>
    public TimeSpan KeepFor { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// What cleanup spares for deploys still under way: blobs younger than this (a deploy still uploading has
    /// written no manifest yet), and every release that was live during it (a deploy planned from it may be
    /// about to reuse its blobs). A saving, not the safety: a deploy that finds a cleanup ran meanwhile
    /// checks and re-sends before its flip (Releases/DeletionWatch.cs), so any value, zero included, is safe.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = DefaultGracePeriod;

    /// <summary>Objects one run deletes at most before it stops (exit 1; the next run continues); null is no limit.</summary>
    public int? MaxDelete { get; init; }

    /// <summary>Throws a <see cref="UsageException"/> naming the setting that is out of range.</summary>
    public RetentionRules Validated()
    {
        if (KeepLast < 0) throw new UsageException($"Cleanup:KeepLast (--keep-last) must be 0 or more (got {KeepLast})");
        if (KeepFor < TimeSpan.Zero) throw new UsageException("Cleanup:KeepFor (--keep-for) must not be negative");
        if (GracePeriod < TimeSpan.Zero) throw new UsageException("Cleanup:GracePeriod (--grace-period) must not be negative");
        if (MaxDelete < 1) throw new UsageException($"Cleanup:MaxDelete (--max-delete) must be 1 or more (got {MaxDelete})");
        return this;
    }

    /// <summary>
    /// Reads a duration as people type it on a command line: a number and one unit, <c>s</c>, <c>m</c>,
    /// <c>h</c> or <c>d</c> ("90m", "24h", "7d", "0"), or a TimeSpan as the configuration file writes it
    /// ("1.00:00:00"). A bare 0 is allowed; any other bare number is refused because the unit would be a guess.
    /// </summary>
    public static TimeSpan ParseDuration(string text, string setting)
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

    public static string FormatDuration(TimeSpan duration) => duration switch
    {
        { Ticks: 0 } => "0",
        _ when duration.TotalDays >= 1 && duration.TotalDays == Math.Floor(duration.TotalDays) => $"{duration.TotalDays:0}d",
        _ when duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) => $"{duration.TotalHours:0}h",
        _ when duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) => $"{duration.TotalMinutes:0}m",
        _ => $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s",
    };
}
