using System.Globalization;

namespace Jamdeploy.Cli.Output;

/// <summary>How numbers, sizes and times read in everything jamdeploy prints: human lines and the CI summary alike.</summary>
public static class Format
{
    private static readonly string[] ByteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>
    /// A size in binary units with one decimal (<c>1.2 MiB</c>), the way the configuration reference states
    /// sizes; plain bytes below 1 KiB. The one byte formatter: JSON carries raw byte counts instead.
    /// </summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024) return $"{bytes.ToString(CultureInfo.InvariantCulture)} B";
        double size = bytes;
        var unit = 0;
        while (size >= 1024 && unit < ByteUnits.Length - 1)
        {
            size /= 1024;
            unit++;
        }
        // 1023.96 KiB rounds to "1024.0 KiB" at one decimal: say the next unit instead.
        if (Math.Round(size, 1) >= 1024 && unit < ByteUnits.Length - 1)
        {
            size /= 1024;
            unit++;
        }
        return $"{size.ToString("0.0", CultureInfo.InvariantCulture)} {ByteUnits[unit]}";
    }

    public static string Plural(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
