namespace Jamdeploy.Deploying;

/// <summary>Reports on the calling thread: <see cref="Progress{T}"/> would post to a sync context per chunk.</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
