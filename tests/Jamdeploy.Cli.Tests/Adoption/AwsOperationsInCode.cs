using System.Reflection;
using System.Text.RegularExpressions;
using Amazon.S3;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// Reads the product's source for the AWS operations it calls and maps each to the IAM action that allows
/// it: S3 through the SDK (any <see cref="IAmazonS3"/> method invoked anywhere under src/), CloudFront
/// through its REST API (the HTTP method and path of each request the CloudFront client builds), the
/// CloudFront KeyValueStore data API through the HTTP methods its client sends. An operation without a
/// mapping fails the scan, so a new call cannot slip past the IAM policies.
/// </summary>
internal static partial class AwsOperationsInCode
{
    /// <summary>IAM actions per S3 SDK operation (the service authorization reference for Amazon S3).</summary>
    private static readonly Dictionary<string, string[]> S3Actions = new(StringComparer.Ordinal)
    {
        ["GetObjectAsync"] = ["s3:GetObject"],
        ["GetObjectMetadataAsync"] = ["s3:GetObject"], // HEAD Object
        ["GetObjectStreamAsync"] = ["s3:GetObject"],
        ["PutObjectAsync"] = ["s3:PutObject"], // also If-None-Match / If-Match conditional writes
        ["InitiateMultipartUploadAsync"] = ["s3:PutObject"],
        ["UploadPartAsync"] = ["s3:PutObject"],
        ["CompleteMultipartUploadAsync"] = ["s3:PutObject"],
        ["AbortMultipartUploadAsync"] = ["s3:AbortMultipartUpload"],
        ["ListPartsAsync"] = ["s3:ListMultipartUploadParts"],
        ["ListMultipartUploadsAsync"] = ["s3:ListBucketMultipartUploads"],
        ["CopyObjectAsync"] = ["s3:GetObject", "s3:PutObject"],
        ["ListObjectsV2Async"] = ["s3:ListBucket"],
        ["ListObjectsAsync"] = ["s3:ListBucket"],
        ["DeleteObjectAsync"] = ["s3:DeleteObject"],
        ["DeleteObjectsAsync"] = ["s3:DeleteObject"], // checked per key
        ["GetObjectAttributesAsync"] = ["s3:GetObject", "s3:GetObjectAttributes"],
        ["GetBucketLocationAsync"] = ["s3:GetBucketLocation"],
        ["HeadBucketAsync"] = ["s3:ListBucket"],
    };

    /// <summary>IAM actions per CloudFront REST request: (HTTP method, path pattern after /distribution/{id}/).</summary>
    private static readonly (string Method, Regex Path, string Action)[] CloudFrontActions =
    [
        ("Post", new(@"^invalidation$"), "cloudfront:CreateInvalidation"),
        ("Get", new(@"^invalidation/.+$"), "cloudfront:GetInvalidation"),
        ("Get", new(@"^invalidation$"), "cloudfront:ListInvalidations"),
        ("Get", new(@"^config$"), "cloudfront:GetDistributionConfig"),
        ("Get", new(@"^$"), "cloudfront:GetDistribution"),
    ];

    /// <summary>
    /// IAM actions per KeyValueStore data-plane request, by HTTP method (the paths are built from the store's ARN and
    /// the key, so the method is what the source shows reliably): GET is DescribeKeyValueStore (<c>/key-value-stores/{arn}</c>,
    /// the store's ETag) or GetKey (<c>…/keys/{key}</c>), PUT is PutKey; DELETE and POST (DeleteKey, UpdateKeys) would be new
    /// grants. ListKeys is a GET too: a client that lists keys needs this table and the policy to say so.
    /// </summary>
    private static readonly Dictionary<string, string[]> KeyValueStoreActions = new(StringComparer.Ordinal)
    {
        ["Get"] = ["cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:GetKey"],
        ["Put"] = ["cloudfront-keyvaluestore:PutKey"],
        ["Delete"] = ["cloudfront-keyvaluestore:DeleteKey"],
        ["Post"] = ["cloudfront-keyvaluestore:UpdateKeys"],
    };

    /// <summary>Every IAM action the product's source needs, with where each was found.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Scan(string sourceRoot)
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var unmapped = new List<string>();
        var s3Methods = typeof(IAmazonS3).GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in SourceFiles(sourceRoot))
        {
            var relative = Path.GetRelativePath(sourceRoot, file);
            var code = CodeWithoutComments(File.ReadAllText(file));
            foreach (Match call in MethodCall().Matches(code))
            {
                var name = call.Groups["name"].Value;
                if (!s3Methods.Contains(name)) continue;
                if (S3Actions.TryGetValue(name, out var actions)) Add(found, actions, $"{relative}: {name}");
                else unmapped.Add($"{relative}: IAmazonS3.{name}");
            }
            if (IsKeyValueStoreClient(relative, code))
            {
                foreach (Match request in AnyHttpMethod().Matches(code))
                {
                    var method = request.Value["HttpMethod.".Length..];
                    if (KeyValueStoreActions.TryGetValue(method, out var actions)) Add(found, actions, $"{relative}: KeyValueStore {method}");
                    else unmapped.Add($"{relative}: KeyValueStore {method}");
                }
                continue;
            }
            if (!relative.Contains("CloudFront", StringComparison.OrdinalIgnoreCase)) continue;
            var requests = RestRequest().Matches(code);
            if (requests.Count != AnyHttpMethod().Count(code))
                unmapped.Add($"{relative}: a CloudFront request in a shape the scan does not read (HttpMethod.X, Url(id, \"path\"))");
            foreach (Match request in requests)
            {
                var method = request.Groups["method"].Value;
                var path = request.Groups["path"].Value;
                var match = CloudFrontActions.FirstOrDefault(a => a.Method == method && a.Path.IsMatch(path));
                if (match.Action is not null) Add(found, [match.Action], $"{relative}: {method} {path}");
                else unmapped.Add($"{relative}: CloudFront {method} {path}");
            }
        }
        Assert.True(unmapped.Count == 0, "AWS calls without an IAM mapping in AwsOperationsInCode:\n" + string.Join('\n', unmapped));
        return found.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Whether the source holds a client of the service at all: code that uses the S3 SDK's client, or a
    /// CloudFront folder (the REST client). Without one there is nothing to compare for that service.
    /// </summary>
    public static bool HasClient(string sourceRoot, string service) => service switch
    {
        "s3" => SourceFiles(sourceRoot).Any(f => CodeWithoutComments(File.ReadAllText(f)).Contains("IAmazonS3", StringComparison.Ordinal)),
        "cloudfront" => SourceFiles(sourceRoot).Any(f => Path.GetRelativePath(sourceRoot, f).Contains("CloudFront", StringComparison.OrdinalIgnoreCase)
            && !IsKeyValueStoreClient(Path.GetRelativePath(sourceRoot, f), CodeWithoutComments(File.ReadAllText(f)))),
        "cloudfront-keyvaluestore" => SourceFiles(sourceRoot).Select(f => (Path: Path.GetRelativePath(sourceRoot, f), Code: CodeWithoutComments(File.ReadAllText(f))))
            .Any(f => IsKeyValueStoreClient(f.Path, f.Code) && AnyHttpMethod().IsMatch(f.Code)),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "no client detection for this service"),
    };

    /// <summary>
    /// A file of the KeyValueStore client: named after it, or naming the data API's signing name or host
    /// (<c>cloudfront-keyvaluestore</c>, <c>cloudfront-kvs.global.api.aws</c>). Its requests are not CloudFront's REST API.
    /// </summary>
    private static bool IsKeyValueStoreClient(string relativePath, string code) =>
        relativePath.Contains("KeyValueStore", StringComparison.OrdinalIgnoreCase)
        || code.Contains("cloudfront-keyvaluestore", StringComparison.Ordinal)
        || code.Contains("cloudfront-kvs", StringComparison.Ordinal);

    private static void Add(Dictionary<string, List<string>> found, string[] actions, string where)
    {
        foreach (var action in actions)
        {
            if (!found.TryGetValue(action, out var list)) found[action] = list = [];
            list.Add(where);
        }
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    /// <summary>Comments mention operations the code does not call; strings and code stay (a URL's // is not a comment).</summary>
    private static string CodeWithoutComments(string code) =>
        string.Join('\n', code.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));

    [GeneratedRegex(@"HttpMethod\.\w+")]
    private static partial Regex AnyHttpMethod();

    [GeneratedRegex(@"\.(?<name>\w+Async)\s*[(<]")]
    private static partial Regex MethodCall();

    /// <summary>
    /// A request the CloudFront client builds: <c>HttpMethod.Post, Url(distributionId, "invalidation")</c> or with an
    /// interpolated path (<c>$"invalidation/{id}"</c>, whose holes are normalised to <c>{}</c>).
    /// </summary>
    [GeneratedRegex("""HttpMethod\.(?<method>\w+)\s*,\s*\w+\(\s*\w+\s*,\s*\$?"(?<path>[^"]*)"\s*\)""")]
    private static partial Regex RestRequest();
}
