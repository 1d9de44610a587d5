using System.Security.Cryptography;

namespace Jamdeploy.TestSupport;

/// <summary>Every file of a local store with the hash of its bytes: to prove a command changed nothing.</summary>
public static class StoreSnapshot
{
    public static IReadOnlyDictionary<string, string> Of(string directory)
    {
        if (!Directory.Exists(directory)) return new Dictionary<string, string>();
        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".lock")
            .ToDictionary(
                f => Path.GetRelativePath(directory, f),
                f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
    }

    public static void AssertUnchanged(IReadOnlyDictionary<string, string> before, string directory)
    {
        var after = Of(directory);
        Assert.Equal(before.OrderBy(kv => kv.Key, StringComparer.Ordinal), after.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
