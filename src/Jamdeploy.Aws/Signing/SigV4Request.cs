namespace Jamdeploy.Aws.Signing;

/// <summary>
/// What SigV4 signs of a request. <see cref="Path"/> and <see cref="Query"/> are as they travel on the wire
/// (already percent-encoded once); the signer encodes the path again, as every service but S3 expects.
/// </summary>
/// <param name="Method">The HTTP method, upper case.</param>
/// <param name="Host">The Host header value (with the port when it is not the scheme's default).</param>
/// <param name="Path">The request path, starting with <c>/</c>.</param>
/// <param name="Query">The query string without <c>?</c>, empty when there is none.</param>
/// <param name="Headers">Headers to sign besides host, x-amz-date and x-amz-security-token (which the signer adds).</param>
/// <param name="PayloadSha256Hex">The lowercase hex SHA-256 of the body.</param>
public sealed record SigV4Request(
    string Method,
    string Host,
    string Path,
    string Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadSha256Hex)
{
    /// <summary>SHA-256 of an empty body.</summary>
    public const string EmptyPayloadSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}

/// <summary>The result of signing (SigV4 or SigV4A): the headers to send, and the intermediate strings for diagnosing a mismatch.</summary>
public sealed record SigV4Signature(
    string Authorization,
    string AmzDate,
    string SignedHeaders,
    string CanonicalRequest,
    string StringToSign,
    string Signature)
{
    /// <summary>SigV4A only: the value of <c>X-Amz-Region-Set</c>, which the signature covers and the request must carry.</summary>
    public string? RegionSet { get; init; }
}
