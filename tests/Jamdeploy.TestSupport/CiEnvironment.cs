namespace Jamdeploy.TestSupport;

/// <summary>
/// The environment every <c>jamdeploy</c> a test runs gets, in a process or in this one: CI-like (no progress
/// bars) and without the runner's own jamdeploy, AWS or GitHub settings.
/// </summary>
internal static class CiEnvironment
{
    private static readonly string[] InheritedPrefixes = ["JAMDEPLOY__", "AWS_", "GITHUB_"];

    public static void Apply(IDictionary<string, string?> environment)
    {
        foreach (var key in environment.Keys.Where(k => InheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            environment.Remove(key);
        environment["CI"] = "true";
    }
}
