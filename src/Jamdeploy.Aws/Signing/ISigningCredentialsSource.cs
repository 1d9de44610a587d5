namespace Jamdeploy.Aws.Signing;

/// <summary>Where the signer gets credentials for each request (they may rotate between requests).</summary>
public interface ISigningCredentialsSource
{
    ValueTask<SigningCredentials> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Fixed credentials: for tests and for configurations that name them explicitly.</summary>
public sealed class FixedCredentialsSource(SigningCredentials credentials) : ISigningCredentialsSource
{
    public ValueTask<SigningCredentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credentials);
}
