namespace Jamdeploy.TestSupport;

/// <summary>Waits for a running <c>jamdeploy</c> (a process or in-process) to write a text.</summary>
internal static class OutputWait
{
    /// <summary>
    /// Returns once <paramref name="output"/> holds <paramref name="text"/>; fails at once, with everything it
    /// wrote, when the run ends without it (<paramref name="finished"/> gives its result once it has ended,
    /// null before), and after <paramref name="timeout"/>.
    /// </summary>
    public static async Task UntilAsync(Func<string> output, string text, string stream, Func<Task<ProcessResult>?> finished, Func<string> soFar, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!output().Contains(text, StringComparison.Ordinal))
        {
            if (finished() is { } ended)
            {
                var result = await ended;
                if (output().Contains(text, StringComparison.Ordinal)) return;
                throw new InvalidOperationException($"jamdeploy finished ({result.ExitCode}) before writing '{text}' to {stream}:\n{result}");
            }
            if (deadline.IsCancellationRequested) throw new TimeoutException($"jamdeploy did not write '{text}' to {stream} within {timeout}:\n{soFar()}");
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
