using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Jamdeploy.Aws.Signing;

/// <summary>
/// Credentials from the AWS SDK's default chain (environment, profile, SSO, container and instance roles),
/// resolved once and then refreshed by the SDK itself when they are temporary.
/// </summary>
public sealed class AwsDefaultCredentialsSource : ISigningCredentialsSource
{
    private readonly Lazy<AWSCredentials> _chain = new(() => DefaultAWSCredentialsIdentityResolver.GetCredentials());

    public async ValueTask<SigningCredentials> GetAsync(CancellationToken cancellationToken)
    {
        ImmutableCredentials resolved;
        try
        {
            // The SDK's credential call takes no token; the wait is bounded by the chain's own timeouts.
            resolved = await _chain.Value.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException ex)
        {
            throw new UsageException("no AWS credentials found for CloudFront (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on a role)", ex);
        }
        return new SigningCredentials(resolved.AccessKey, resolved.SecretKey, string.IsNullOrEmpty(resolved.Token) ? null : resolved.Token);
    }
}
