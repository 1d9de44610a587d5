using System.Collections;

namespace Jamdeploy.Cli.Hosting;

/// <summary>
/// What one invocation takes from the process around it: where it writes, the folder relative paths and
/// <c>jamdeploy.json</c> are found in, and the environment variables it reads (configuration, CI, AWS).
/// <c>Program.cs</c> passes the process's own; a test passes its own, so invocations run side by side in
/// one process without sharing the console, the current directory or the environment.
/// </summary>
public sealed record CliHost(TextWriter Stdout, TextWriter Stderr, string WorkingDirectory, IReadOnlyDictionary<string, string?> Environment)
{
    /// <summary>The console, the current directory and the environment of this process.</summary>
    public static CliHost FromProcess() =>
        new(Console.Out, StandardError.Value, Directory.GetCurrentDirectory(), ProcessVariables());

    /// <summary>
    /// Stderr, written through as Console.Error is (every write reaches the stream at once), with a buffer that takes
    /// a whole write: Console.Error's writer passes text on in 256-character pieces, a system call each, so a run of
    /// serve's request lines (LogBatch) cost one call per two or three lines. UTF-8 without a byte order mark, as the
    /// console writes on Linux.
    /// </summary>
    private static readonly Lazy<TextWriter> StandardError = new(() =>
        TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError(), new System.Text.UTF8Encoding(false), 64 << 10) { AutoFlush = true }));

    public string? Variable(string name) => Environment.TryGetValue(name, out var value) ? value : null;

    /// <summary>The current process's environment variables, read once.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessVariables()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
            result[(string)entry.Key] = entry.Value as string;
        return result;
    }
}
