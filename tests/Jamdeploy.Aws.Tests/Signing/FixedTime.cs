namespace Jamdeploy.Aws.Tests.Signing;

/// <summary>A clock stopped at one instant, so a signature can be compared with one computed elsewhere.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
