using System.Text;
using System.Text.Json.Nodes;
using static Jamdeploy.Cli.Tests.Adoption.CloudFormationTemplate;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// deploy/cloudformation/jamdeploy-serverless.json, the recommended stack: CloudFront reads a private bucket through
/// OAC; a CloudFront Function puts the release the KeyValueStore names into the URI (the cache key); Lambda@Edge
/// resolves it through the manifest (DESIGN.md, serverless edge contract).
/// </summary>
public sealed class ServerlessTemplateTests
{
    private const int OneYear = 31536000;
    private static readonly CloudFormationTemplate Template = new("jamdeploy-serverless.json");

    /// <summary>The prefix every site grant uses: the stack's SiteName, a folder of the bucket.</summary>
    private static readonly JsonNode SitePrefix = JsonNode.Parse("""{ "Fn::Sub": "${SiteName}/" }""")!;

    [Fact(Timeout = 120000)]
    public async Task Template_PassesCfnLint()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));

        var lint = await ChildProcess.RunAsync("cfn-lint", ["--", Template.Path], timeout.Token);

        Assert.True(lint.ExitCode == 0, lint.ToString());
    }

    /// <summary>Lambda@Edge functions and versions exist only in us-east-1: a stack anywhere else is refused before it creates anything.</summary>
    [Fact]
    public void Rules_RefuseEveryRegionButUsEast1()
    {
        var assertions = Template["Rules"]!.AsObject().Where(r => r.Value!["RuleCondition"] is null).SelectMany(r => r.Value!["Assertions"]!.AsArray());

        Assert.Contains(assertions, a => JsonNode.DeepEquals(a!["Assert"], JsonNode.Parse("""{ "Fn::Equals": [{ "Ref": "AWS::Region" }, "us-east-1"] }""")));
    }

    [Fact]
    public void Bucket_IsPrivateAndEncrypted_AndOnlyThisDistributionReadsItsBlobsThroughOac()
    {
        var bucket = Properties(Template.SingleResource("AWS::S3::Bucket"));
        var block = bucket["PublicAccessBlockConfiguration"]!.AsObject();
        var statements = Properties(Template.SingleResource("AWS::S3::BucketPolicy"))["PolicyDocument"]!["Statement"]!.AsArray();
        var oac = Properties(Template.SingleResource("AWS::CloudFront::OriginAccessControl"))["OriginAccessControlConfig"]!;
        var origin = Assert.Single(DistributionConfig["Origins"]!.AsArray())!;

        Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, setting => Assert.True(block[setting]!.GetValue<bool>(), setting));
        Assert.Equal("AES256", bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        var read = Assert.Single(statements, s => s!["Effect"]!.GetValue<string>() == "Allow")!;
        Assert.Equal("cloudfront.amazonaws.com", read["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal("s3:GetObject", read["Action"]!.GetValue<string>());
        Assert.Equal("${SiteBucket.Arn}/${SiteName}/blobs/*", read["Resource"]!["Fn::Sub"]!.GetValue<string>());
        Assert.Equal("arn:aws:cloudfront::${AWS::AccountId}:distribution/${Distribution}", read["Condition"]!["StringEquals"]!["AWS:SourceArn"]!["Fn::Sub"]!.GetValue<string>());
        Assert.Equal(["s3", "always", "sigv4"], new[] { "OriginAccessControlOriginType", "SigningBehavior", "SigningProtocol" }.Select(k => oac[k]!.GetValue<string>()));
        Assert.Equal(["SiteBucket", "RegionalDomainName"], origin["DomainName"]!["Fn::GetAtt"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["OriginAccessControl", "Id"], origin["OriginAccessControlId"]!["Fn::GetAtt"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("", origin["S3OriginConfig"]!["OriginAccessIdentity"]!.GetValue<string>());
        // The origin functions read <prefix>/releases/… and map to /blobs/<sha256>: the origin path is the site's prefix.
        Assert.Equal("/${SiteName}", origin["OriginPath"]!["Fn::Sub"]!.GetValue<string>());
    }

    /// <summary>
    /// The viewer function reads the KeyValueStore (cloudfront-js-2.0, associated with the stack's store), is published
    /// with the stack, and runs on every viewer request of the distribution.
    /// </summary>
    [Fact]
    public void ViewerFunction_IsJs2_ReadsTheStacksKeyValueStore_AndRunsOnEveryViewerRequest()
    {
        var function = Template.SingleResource("AWS::CloudFront::Function");
        var config = Properties(function)["FunctionConfig"]!;
        var association = Assert.Single(DefaultBehavior["FunctionAssociations"]!.AsArray())!;

        Assert.Equal("cloudfront-js-2.0", config["Runtime"]!.GetValue<string>());
        var store = Assert.Single(config["KeyValueStoreAssociations"]!.AsArray())!;
        Assert.Equal(["KeyValueStore", "Arn"], store["KeyValueStoreARN"]!["Fn::GetAtt"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("AWS::CloudFront::KeyValueStore", Template.ResourceType("KeyValueStore"));
        Assert.True(Properties(function)["AutoPublish"]!.GetValue<bool>());
        Assert.Equal("viewer-request", association["EventType"]!.GetValue<string>());
        Assert.Equal([Template.LogicalId(function), "FunctionARN"], association["FunctionARN"]!["Fn::GetAtt"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    /// <summary>
    /// The inline function is src/Jamdeploy.CloudFrontEdge/viewer-request.js, byte for byte once CloudFormation's Fn::Sub
    /// has run: its pointer key is the key jamdeploy writes (the CdnKeyValueStoreKey output), its preview suffix the
    /// stack's PreviewDomain, and its JavaScript "${" survives. After a change to the file:
    /// scripts/package-edge.sh --sync-template.
    /// </summary>
    [Fact]
    public void ViewerFunctionCode_IsTheRepositorysViewerFunction_WithTheStacksPointerKeyAndPreviewSuffix()
    {
        var path = RepositoryRoot.Combine("src", "Jamdeploy.CloudFrontEdge", "viewer-request.js");
        Assert.True(File.Exists(path), $"{path} is missing: the template's viewer function has no source to match");
        var parameters = new Dictionary<string, string> { ["SiteName"] = "docs.example-site_1", ["PreviewDomain"] = "preview.example.com" };
        var pointerKey = Sub(Template["Outputs"]!["CdnKeyValueStoreKey"]!["Value"]!["Fn::Sub"]!.GetValue<string>(), parameters);

        var deployed = Sub(Properties(Template.SingleResource("AWS::CloudFront::Function"))["FunctionCode"]!["Fn::Sub"]!.GetValue<string>(), parameters);

        Assert.Equal("docs.example-site_1:live", pointerKey);
        var expected = File.ReadAllText(path)
            .Replace("__JAMDEPLOY_POINTER_KEY__", pointerKey, StringComparison.Ordinal)
            .Replace("__JAMDEPLOY_PREVIEW_SUFFIX__", parameters["PreviewDomain"], StringComparison.Ordinal);
        Assert.True(expected == deployed, "the template's CloudFront Function is not viewer-request.js: run scripts/package-edge.sh --sync-template");
        Assert.True(Encoding.UTF8.GetByteCount(deployed) <= 10 * 1024, "CloudFront Functions take at most 10 KB of code");
    }

    /// <summary>
    /// Both origin events run the packaged origin.js (one function per handler, code from the package's S3 location),
    /// on a runtime Lambda still creates, through versions (Lambda@Edge takes versions only) that a new package hash
    /// replaces and that stay behind when replaced (their edge replicas are deleted by CloudFront later).
    /// </summary>
    [Theory]
    [InlineData("origin-request", "origin.originRequest")]
    [InlineData("origin-response", "origin.originResponse")]
    public void OriginFunctions_RunTheEdgePackagesHandler_ThroughAVersionOfTheirOwn(string eventType, string handler)
    {
        var association = Assert.Single(DefaultBehavior["LambdaFunctionAssociations"]!.AsArray(), a => a!["EventType"]!.GetValue<string>() == eventType)!;
        var versionId = association["LambdaFunctionARN"]!["Ref"]!.GetValue<string>();
        var version = Template["Resources"]![versionId]!;
        var function = Properties(Template["Resources"]![Properties(version)["FunctionName"]!["Ref"]!.GetValue<string>()]!);

        Assert.Equal("AWS::Lambda::Version", version["Type"]!.GetValue<string>());
        Assert.Equal("EdgeCodeSha256", Properties(version)["CodeSha256"]!["Ref"]!.GetValue<string>());
        Assert.Equal("Retain", version["DeletionPolicy"]!.GetValue<string>());
        Assert.Equal("Retain", version["UpdateReplacePolicy"]!.GetValue<string>());
        Assert.Equal(handler, function["Handler"]!.GetValue<string>());
        Assert.Equal("EdgeCodeBucket", function["Code"]!["S3Bucket"]!["Ref"]!.GetValue<string>());
        Assert.Equal("EdgeCodeKey", function["Code"]!["S3Key"]!["Ref"]!.GetValue<string>());
        var runtimes = Template["Parameters"]![function["Runtime"]!["Ref"]!.GetValue<string>()]!["AllowedValues"]!.AsArray().Select(r => r!.GetValue<string>());
        Assert.All(runtimes, r => Assert.Matches("^nodejs(2[2-9]|[3-9][0-9])\\.x$", r));
        Assert.Equal(["x86_64"], function["Architectures"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Null(function["Environment"]); // Lambda@Edge refuses environment variables: bucket and prefix come from the origin.
        Assert.Equal(["EdgeOriginRole", "Arn"], function["Role"]!["Fn::GetAtt"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    /// <summary>
    /// The origin functions may read the release manifests and the live pointer of the site, and write their logs;
    /// nothing else. They may list the bucket so that S3 answers a missing release (an unknown preview id) with 404
    /// rather than 403, which the edge would have to answer as an outage.
    /// </summary>
    [Fact]
    public void EdgeOriginRole_IsAssumedByLambdaAtTheEdge_AndReadsOnlyManifestsAndTheLivePointer()
    {
        var role = Properties(Template["Resources"]!["EdgeOriginRole"]!);
        var trust = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        var statements = Assert.Single(role["Policies"]!.AsArray())!["PolicyDocument"]!["Statement"]!.AsArray();

        Assert.Equal(["edgelambda.amazonaws.com", "lambda.amazonaws.com"], trust["Principal"]!["Service"]!.AsArray().Select(s => s!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("sts:AssumeRole", trust["Action"]!.GetValue<string>());
        Assert.Null(role["ManagedPolicyArns"]);
        Assert.Equal(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "s3:ListBucket"],
            statements.SelectMany(s => Strings(s!["Action"]!)).Order(StringComparer.Ordinal));
        var list = Assert.Single(statements, s => Strings(s!["Action"]!).SequenceEqual(["s3:ListBucket"]))!;
        Assert.Equal("arn:aws:s3:::${BucketName}", list["Resource"]!["Fn::Sub"]![0]!.GetValue<string>());
        var read = Assert.Single(statements, s => Strings(s!["Action"]!).SequenceEqual(["s3:GetObject"]))!;
        Assert.Equal(
            ["arn:aws:s3:::${BucketName}/${SitePrefix}releases/*", "arn:aws:s3:::${BucketName}/${SitePrefix}live.json"],
            read["Resource"]!.AsArray().Select(r => SiteResource(r!)));
        var logs = Assert.Single(statements, s => s != read && s != list)!;
        Assert.All(logs["Resource"]!.AsArray(), r => Assert.Matches(@"^arn:aws:logs:[^:]+:\$\{AWS::AccountId\}:log-group:/aws/lambda/(us-east-1\.)?\$\{AWS::StackName\}-origin-\*$", r!["Fn::Sub"]!.GetValue<string>()));
    }

    /// <summary>
    /// Every URI the cache sees names its release, and a release never changes: the edge keeps each object a year,
    /// whatever Cache-Control says (which CloudFront passes to browsers unchanged, so HTML still revalidates there).
    /// The query string is in the key and reaches the origin function (serve's contract: a redirect keeps it); nothing
    /// else is, so the viewer function's URI and the query are the whole key. Failures are not kept.
    /// </summary>
    [Fact]
    public void CachePolicy_KeepsReleaseScopedObjectsAYear_KeysOnTheUriAndQuery_AndDoesNotKeepFailures()
    {
        var cache = Properties(Template.SingleResource("AWS::CloudFront::CachePolicy"))["CachePolicyConfig"]!;
        var key = cache["ParametersInCacheKeyAndForwardedToOrigin"]!;
        var errors = DistributionConfig["CustomErrorResponses"]!.AsArray();

        Assert.Equal([OneYear, OneYear, OneYear], new[] { "MinTTL", "DefaultTTL", "MaxTTL" }.Select(t => cache[t]!.GetValue<int>()));
        Assert.Equal("all", key["QueryStringsConfig"]!["QueryStringBehavior"]!.GetValue<string>());
        Assert.Equal("none", key["CookiesConfig"]!["CookieBehavior"]!.GetValue<string>());
        Assert.Equal("none", key["HeadersConfig"]!["HeaderBehavior"]!.GetValue<string>());
        Assert.True(key["EnableAcceptEncodingGzip"]!.GetValue<bool>() && key["EnableAcceptEncodingBrotli"]!.GetValue<bool>());
        Assert.Equal(Template.LogicalId(Template.SingleResource("AWS::CloudFront::CachePolicy")), DefaultBehavior["CachePolicyId"]!["Ref"]!.GetValue<string>());
        Assert.Null(DefaultBehavior["ResponseHeadersPolicyId"]); // browsers get the origin function's Cache-Control
        Assert.Equal(["GET", "HEAD"], DefaultBehavior["AllowedMethods"]!.AsArray().Select(m => m!.GetValue<string>()));
        foreach (var code in new[] { 500, 502, 503, 504 })
            Assert.Equal(0, Assert.Single(errors, e => e!["ErrorCode"]!.GetValue<int>() == code)!["ErrorCachingMinTTL"]!.GetValue<int>());
    }

    /// <summary>Preview hosts &lt;release-id&gt;.PreviewDomain reach the distribution through a wildcard alias, which needs a certificate.</summary>
    [Fact]
    public void PreviewDomain_IsAWildcardAlias_AndNeedsACertificate()
    {
        var aliases = DistributionConfig["Aliases"]!.ToJsonString();
        var rule = Template["Rules"]!.AsObject().Single(r => r.Value!["RuleCondition"] is not null).Value!;

        Assert.Contains("*.${PreviewDomain}", aliases, StringComparison.Ordinal);
        Assert.Contains("PreviewDomain", rule["RuleCondition"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("CertificateArn", rule["Assertions"]![0]!["Assert"]!.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The JamdeployJson output is the jamdeploy.json of the stack: the S3 store under the site's prefix, the
    /// KeyValueStore and the key the viewer function reads, no invalidating CDN, the site's address. Each key is one
    /// the configuration reference documents.
    /// </summary>
    [Fact]
    public void JamdeployJsonOutput_IsTheConfigurationForThisStack()
    {
        var sub = Template["Outputs"]!["JamdeployJson"]!["Value"]!["Fn::Sub"]!;
        Assert.True(sub[1]!.AsObject().All(v => v.Key == "SiteUrl"), "only the site URL is computed apart");
        var stack = new Dictionary<string, string>
        {
            ["SiteBucket"] = "my-site-bucket", ["SiteName"] = "www", ["AWS::Region"] = "us-east-1",
            ["KeyValueStore.Arn"] = "arn:aws:cloudfront::123456789012:key-value-store/abc", ["SiteUrl"] = "https://www.example.com/",
        };

        var settings = Flatten(JsonNode.Parse(Sub(sub[0]!.GetValue<string>(), stack))!, "");

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["Store"] = "s3://my-site-bucket/www",
                ["S3:Region"] = "us-east-1",
                ["Site:Url"] = "https://www.example.com/",
                ["Cdn:Provider"] = "none",
                ["Cdn:KeyValueStore:Arn"] = "arn:aws:cloudfront::123456789012:key-value-store/abc",
                ["Cdn:KeyValueStore:Key"] = "www:live",
            },
            settings);
        Assert.Equal(settings["Store"], Sub(Template["Outputs"]!["Store"]!["Value"]!["Fn::Sub"]!.GetValue<string>(), stack));
        Assert.Equal(settings["Cdn:KeyValueStore:Key"], Sub(Template["Outputs"]!["CdnKeyValueStoreKey"]!["Value"]!["Fn::Sub"]!.GetValue<string>(), stack));
        var reference = File.ReadAllText(RepositoryRoot.Combine("deploy", "README.md"));
        Assert.All(settings.Keys, k => Assert.Contains($"| `{k}` |", reference, StringComparison.Ordinal));
    }

    /// <summary>The deploy and cleanup policies of the stack are deploy/iam's, with the stack's names for the placeholders.</summary>
    [Theory]
    [InlineData("serverless-deploy", "DeployPolicy")]
    [InlineData("cleanup", "CleanupPolicy")]
    public void ManagedPolicy_IsThePolicyFileWithTheStacksNamesFilledIn(string role, string resource)
    {
        var file = JsonNode.Parse(File.ReadAllText(IamPolicy.PathOf(role)))!;
        var document = Properties(Template["Resources"]![resource]!)["PolicyDocument"]!.DeepClone();

        foreach (var statement in document["Statement"]!.AsArray())
        {
            var resources = statement!["Resource"]!;
            statement["Resource"] = resources is JsonArray list
                ? new JsonArray(list.Select(r => (JsonNode?)JsonValue.Create(SiteResource(r!))).ToArray())
                : JsonValue.Create(SiteResource(resources));
        }
        Assert.True(JsonNode.DeepEquals(file, document), $"{resource} differs from {IamPolicy.PathOf(role)}:\n{document.ToJsonString()}");
    }

    [Fact]
    public void GitHubRoles_AreTheDeployAndCleanupPoliciesOfThisStack()
    {
        var deploy = Properties(Template["Resources"]!["GitHubDeployRole"]!);
        var cleanup = Properties(Template["Resources"]!["GitHubCleanupRole"]!);

        Assert.Equal("DeployPolicy", Assert.Single(deploy["ManagedPolicyArns"]!.AsArray())!["Ref"]!.GetValue<string>());
        Assert.Equal("CleanupPolicy", Assert.Single(cleanup["ManagedPolicyArns"]!.AsArray())!["Ref"]!.GetValue<string>());
        Assert.Equal("HasGitHub", Template["Resources"]!["GitHubDeployRole"]!["Condition"]!.GetValue<string>());
    }

    /// <summary>
    /// A resource of a policy as deploy/iam writes it: the Fn::Sub text, whose variables are the bucket, the site's
    /// prefix (SiteName/) and the KeyValueStore's id.
    /// </summary>
    private static string SiteResource(JsonNode resource)
    {
        var text = SubstitutedString(resource);
        if (resource["Fn::Sub"] is JsonArray sub && sub[1]!["SitePrefix"] is { } prefix)
            Assert.True(JsonNode.DeepEquals(SitePrefix, prefix), $"SitePrefix is {prefix.ToJsonString()}");
        return text;
    }

    /// <summary>
    /// CloudFormation's Fn::Sub on a string: ${Name} becomes the value (a name it does not know fails the stack, so it
    /// fails here), ${!Anything} becomes ${Anything}.
    /// </summary>
    private static string Sub(string text, IReadOnlyDictionary<string, string> values)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$' || i + 1 >= text.Length || text[i + 1] != '{')
            {
                result.Append(text[i]);
                continue;
            }
            if (i + 2 < text.Length && text[i + 2] == '!')
            {
                result.Append("${");
                i += 2;
                continue;
            }
            var end = text.IndexOf('}', i);
            Assert.True(end > 0, $"unclosed ${{ at {i}");
            var name = text[(i + 2)..end];
            Assert.True(values.TryGetValue(name, out var value), $"Fn::Sub names ${{{name}}}, which the stack does not define here");
            result.Append(value);
            i = end;
        }
        return result.ToString();
    }

    private static Dictionary<string, string> Flatten(JsonNode node, string path) => node is JsonObject obj
        ? obj.SelectMany(p => Flatten(p.Value!, path.Length == 0 ? p.Key : $"{path}:{p.Key}")).ToDictionary()
        : new Dictionary<string, string> { [path] = node.GetValue<string>() };

    private static IEnumerable<string> Strings(JsonNode node) => node is JsonArray list ? list.Select(n => n!.GetValue<string>()) : [node.GetValue<string>()];

    private static JsonNode DistributionConfig => Properties(Template.SingleResource("AWS::CloudFront::Distribution"))["DistributionConfig"]!;

    private static JsonNode DefaultBehavior => DistributionConfig["DefaultCacheBehavior"]!;
}
