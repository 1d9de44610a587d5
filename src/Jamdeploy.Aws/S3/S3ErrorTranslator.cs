using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Polly.Timeout;

namespace Jamdeploy.Aws.S3;

/// <summary>
/// Turns what the SDK and the network throw at the AWS boundary into one line that names the bucket and
/// says what to fix, with the exit code DESIGN.md gives it: a setting the user must change (missing bucket,
/// refused or missing credentials, wrong region) is a usage error (2); a store that cannot be reached or
/// keeps failing is a store error (1). No message carries a credential: none is ever put in one.
/// </summary>
public static class S3ErrorTranslator
{
    public static JamdeployException Translate(Exception error, S3Location location, string? endpoint, string operation, string? key)
    {
        var what = key is null ? $"{operation} on {location}" : $"{operation} {location.ObjectKey(key)} in bucket '{location.Bucket}'";
        switch (error)
        {
            case JamdeployException known:
                return known;
            case var unresolved when NetworkFaults.IsNameNotResolved(unresolved):
                return new StoreException($"cannot reach the store{At(endpoint)} for bucket '{location.Bucket}': the host name does not resolve (DNS); check the endpoint (S3:EndpointUrl, AWS_ENDPOINT_URL) and the region", error);
            case AmazonS3Exception { ErrorCode: "NoSuchBucket" }:
                return new UsageException($"the bucket '{location.Bucket}' does not exist{At(endpoint)} ({location}): create it or fix the store URL", error);
            case AmazonServiceException { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" } rejected:
                return new UsageException($"the store rejected the AWS credentials for bucket '{location.Bucket}' ({rejected.ErrorCode}): check the access key, secret and session token", error);
            case AmazonServiceException { ErrorCode: "AccessDenied" or "AllAccessDisabled" } or AmazonServiceException { StatusCode: HttpStatusCode.Forbidden }:
                return new UsageException($"access denied to bucket '{location.Bucket}' ({what}): the credentials lack permission", error);
            case AmazonServiceException { ErrorCode: "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" } or AmazonServiceException { StatusCode: HttpStatusCode.MovedPermanently }:
                return new UsageException($"the bucket '{location.Bucket}' is in another region than the one configured: set the region ({OneLine(error.Message)})", error);
            case AmazonServiceException service when IsTimeout(service):
                return new StoreException($"the store did not answer {what} in time{At(endpoint)}", error);
            case AmazonServiceException service when IsUnreachable(service):
                return new StoreException($"cannot reach the store{At(endpoint)} for bucket '{location.Bucket}': {OneLine(Innermost(service).Message)}", error);
            case AmazonServiceException service:
                return new StoreException($"the store failed {what}: {service.ErrorCode ?? ((int)service.StatusCode).ToString()} {OneLine(service.Message)}", error);
            case AmazonClientException client when IsMissingCredentials(client):
                return new UsageException($"no AWS credentials found for bucket '{location.Bucket}': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a profile in the configuration", error);
            case TimeoutRejectedException:
                return new StoreException($"the store did not answer {what} in time{At(endpoint)}", error);
            case FileNotFoundException or DirectoryNotFoundException:
                return new StoreException($"{what} failed: a file being uploaded disappeared ({OneLine(error.Message)}); rerun once the build has finished", error);
            case HttpRequestException or IOException or SocketException:
                return new StoreException($"cannot reach the store{At(endpoint)} for bucket '{location.Bucket}': {OneLine(Innermost(error).Message)}", error);
            case AmazonClientException client when IsUnreachable(client):
                return new StoreException($"cannot reach the store{At(endpoint)} for bucket '{location.Bucket}': {OneLine(Innermost(client).Message)}", error);
            case AmazonClientException client:
                return new StoreException($"the S3 client failed {what}: {OneLine(client.Message)}", error);
            default:
                return new StoreException($"{what} failed: {OneLine(error.Message)}", error);
        }
    }

    /// <summary>An endpoint for messages, without any user information a URL might carry.</summary>
    public static string Redact(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/') : "the configured endpoint";

    /// <summary>Messages from services may span lines; ours is one.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    internal static bool IsUnreachable(Exception error) =>
        Chain(error).Any(e => e is HttpRequestException or SocketException or IOException);

    internal static bool IsTimeout(Exception error) =>
        Chain(error).Any(e => e is TimeoutException or TimeoutRejectedException);

    private static bool IsMissingCredentials(AmazonClientException error) =>
        error.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase);

    private static string At(string? endpoint) => endpoint is null ? "" : " at " + Redact(endpoint);

    private static Exception Innermost(Exception error) => Chain(error).Last();

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException) yield return e;
    }
}
