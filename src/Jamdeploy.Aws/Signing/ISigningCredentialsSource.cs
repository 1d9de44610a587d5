namespace Jamdeploy.Aws.Signing;

/// <summary>Where the signer gets credentials for each request (they may rotate between requests).</summary>
public interface ISigningCredentialsSource
{
    ValueTask<SigningCredentials> GetAsync(CancellationToken cancellationToken);
}
