namespace Jamdeploy.Aws.Signing;

/// <summary>
/// One set of AWS credentials, as the signer needs them. <see cref="ToString"/> never shows the secret or the
/// session token, so a credential that ends up in a log template by mistake still leaks nothing.
/// </summary>
public sealed record SigningCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() => "SigningCredentials { redacted }";
}
