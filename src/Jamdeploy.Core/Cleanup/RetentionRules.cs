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
    public int KeepLast { get; set; } = 10;

    /// <summary>Releases younger than this are kept.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// What cleanup spares for deploys still under way: blobs younger than this (a deploy still uploading has
    /// written no manifest yet), and every release that was live during it (a deploy planned from it may be
    /// about to reuse its blobs). A saving, not the safety: a deploy that finds a cleanup ran meanwhile
    /// checks and re-sends before its flip (Releases/DeletionWatch.cs), so any value, zero included, is safe.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = DefaultGracePeriod;

    /// <summary>Objects one run deletes at most before it stops (exit 1; the next run continues); null is no limit.</summary>
    public int? MaxDelete { get; set; }

    /// <summary>Throws a <see cref="UsageException"/> naming the setting that is out of range.</summary>
    public RetentionRules Validated()
    {
        if (KeepLast < 0) throw new UsageException($"Cleanup:KeepLast (--keep-last) must be 0 or more (got {KeepLast})");
        if (KeepFor < TimeSpan.Zero) throw new UsageException("Cleanup:KeepFor (--keep-for) must not be negative");
        if (GracePeriod < TimeSpan.Zero) throw new UsageException("Cleanup:GracePeriod (--grace-period) must not be negative");
        if (MaxDelete < 1) throw new UsageException($"Cleanup:MaxDelete (--max-delete) must be 1 or more (got {MaxDelete})");
        return this;
    }
}
