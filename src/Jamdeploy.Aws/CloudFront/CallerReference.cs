using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Jamdeploy.Model;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>
/// CloudFront's idempotency key for an invalidation. Sending the same reference with the same paths returns
/// the invalidation already created instead of a second one, so it is derived, never random: from the
/// release, the moment the pointer moved to it, and the batch's paths.
/// </summary>
public static class CallerReference
{
    public static string For(ReleaseId release, DateTimeOffset? flippedAt, IReadOnlyList<string> paths)
    {
        var text = new StringBuilder()
            .Append(release.Value).Append('\n')
            .Append(flippedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "-").Append('\n')
            .AppendJoin('\n', paths);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return $"jamdeploy-{release.Value}-{hash[..24]}";
    }
}
