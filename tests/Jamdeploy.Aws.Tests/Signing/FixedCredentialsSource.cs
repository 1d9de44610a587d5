using Jamdeploy.Aws.Signing;

namespace Jamdeploy.Aws.Tests.Signing;

/// <summary>Credentials given outright, for tests that must know exactly what was signed with.</summary>
internal sealed class FixedCredentialsSource(SigningCredentials credentials) : ISigningCredentialsSource
{
    public ValueTask<SigningCredentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credentials);
}
