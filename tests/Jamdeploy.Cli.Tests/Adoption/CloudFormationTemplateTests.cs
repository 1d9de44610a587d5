using System.Text.Json;
using System.Text.Json.Nodes;
using static Jamdeploy.Cli.Tests.Adoption.CloudFormationTemplate;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>deploy/cloudformation/jamdeploy.json: what a team deploys to get a store and a CDN in front of serve.</summary>
public sealed class CloudFormationTemplateTests
{
    private static readonly CloudFormationTemplate Template = new("jamdeploy.json");

    [Fact(Timeout = 120000)]
    public async Task Template_PassesCfnLint()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));

        // cfn-lint checks every property against the CloudFormation resource schemas (it ships with the dotnet image; pip install cfn-lint elsewhere).
        var lint = await ChildProcess.RunAsync("cfn-lint", ["--", Template.Path], timeout.Token);

        Assert.True(lint.ExitCode == 0, lint.ToString());
    }

    [Fact]
    public void Bucket_IsPrivateAndEncrypted()
    {
        var bucket = Properties(Template.SingleResource("AWS::S3::Bucket"));

        var block = bucket["PublicAccessBlockConfiguration"]!.AsObject();
        foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
            Assert.True(block[setting]!.GetValue<bool>(), setting);
        var encryption = bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!;
        Assert.Equal("AES256", encryption["SSEAlgorithm"]!.GetValue<string>());
        Assert.Equal("BucketOwnerEnforced", bucket["OwnershipControls"]!["Rules"]![0]!["ObjectOwnership"]!.GetValue<string>());
    }

    [Fact]
    public void Distribution_OriginIsTheServeServiceFromAParameter_CompressesAndUsesHttps()
    {
        var config = Properties(Template.SingleResource("AWS::CloudFront::Distribution"))["DistributionConfig"]!;

        var origin = Assert.Single(config["Origins"]!.AsArray())!;
        Assert.Equal("OriginDomainName", origin["DomainName"]!["Ref"]!.GetValue<string>());
        Assert.NotNull(Template["Parameters"]!["OriginDomainName"]);
        Assert.NotNull(origin["CustomOriginConfig"]);
        var behavior = config["DefaultCacheBehavior"]!;
        Assert.True(behavior["Compress"]!.GetValue<bool>());
        Assert.Equal("redirect-to-https", behavior["ViewerProtocolPolicy"]!.GetValue<string>());
        Assert.Equal(["GET", "HEAD"], behavior["AllowedMethods"]!.AsArray().Select(m => m!.GetValue<string>()));
        var cachePolicy = behavior["CachePolicyId"]!["Ref"]!.GetValue<string>();
        Assert.Equal("AWS::CloudFront::CachePolicy", Template["Resources"]![cachePolicy]!["Type"]!.GetValue<string>());
    }

    /// <summary>
    /// The CDN caches as serve says (DESIGN.md, edge contract): the policy's TTL bounds let HTML's max-age=0
    /// through (CloudFront revalidates it with the ETag) and let fingerprinted assets keep their year.
    /// </summary>
    [Fact]
    public void CachePolicy_HonoursServesCacheControl_AndCompresses()
    {
        var cache = Properties(Template.SingleResource("AWS::CloudFront::CachePolicy"))["CachePolicyConfig"]!;
        var serve = (Html: "public, max-age=0, must-revalidate", Immutable: "public, max-age=31536000, immutable");

        Assert.Equal(0, cache["MinTTL"]!.GetValue<int>());
        Assert.True(cache["MinTTL"]!.GetValue<int>() <= MaxAge(serve.Html), "HTML must be revalidated, not cached longer than serve says");
        Assert.True(cache["MaxTTL"]!.GetValue<int>() >= MaxAge(serve.Immutable), "fingerprinted assets must be cached as long as serve says");
        Assert.Equal(0, cache["DefaultTTL"]!.GetValue<int>());
        var key = cache["ParametersInCacheKeyAndForwardedToOrigin"]!;
        Assert.True(key["EnableAcceptEncodingGzip"]!.GetValue<bool>());
        Assert.True(key["EnableAcceptEncodingBrotli"]!.GetValue<bool>());
        Assert.Equal("none", key["QueryStringsConfig"]!["QueryStringBehavior"]!.GetValue<string>());
        Assert.Equal("none", key["CookiesConfig"]!["CookieBehavior"]!.GetValue<string>());
    }

    [Fact]
    public void Outputs_NameTheBucketAndTheDistribution()
    {
        var outputs = Template["Outputs"]!.AsObject();

        Assert.Equal("AWS::S3::Bucket", Template.ResourceType(outputs["BucketName"]!["Value"]!["Ref"]!.GetValue<string>()));
        Assert.Equal("AWS::CloudFront::Distribution", Template.ResourceType(outputs["DistributionId"]!["Value"]!["Ref"]!.GetValue<string>()));
    }

    /// <summary>Site:Url is what a deploy ends with (issue 15): the stack hands over the distribution's address.</summary>
    [Fact]
    public void Outputs_SiteUrl_IsTheFirstDomainName_ElseTheDistributionsAddress()
    {
        var choice = Template["Outputs"]!["SiteUrl"]!["Value"]!["Fn::If"]!.AsArray();

        Assert.Equal("HasCustomDomain", choice[0]!.GetValue<string>());
        Assert.Equal("https://${Name}/", choice[1]!["Fn::Sub"]![0]!.GetValue<string>());
        Assert.Equal("DomainNames", choice[1]!["Fn::Sub"]![1]!["Name"]!["Fn::Select"]![1]!["Ref"]!.GetValue<string>());
        Assert.Equal("https://${Distribution.DomainName}/", choice[2]!["Fn::Sub"]!.GetValue<string>());
        Assert.Equal("AWS::CloudFront::Distribution", Template.ResourceType("Distribution"));
    }

    [Theory]
    [InlineData("deploy", "DeployPolicy")]
    [InlineData("cleanup", "CleanupPolicy")]
    [InlineData("serve", "ServePolicy")]
    public void ManagedPolicy_IsThePolicyFileWithTheStacksNamesFilledIn(string role, string resource)
    {
        var file = JsonNode.Parse(File.ReadAllText(IamPolicy.PathOf(role)))!;
        var document = Properties(Template["Resources"]![resource]!)["PolicyDocument"]!.DeepClone();

        foreach (var statement in document["Statement"]!.AsArray())
        {
            var resources = statement!["Resource"]!;
            statement["Resource"] = resources is JsonArray list
                ? new JsonArray(list.Select(r => (JsonNode?)JsonValue.Create(SubstitutedString(r!))).ToArray())
                : JsonValue.Create(SubstitutedString(resources));
        }
        Assert.True(JsonNode.DeepEquals(file, document), $"{resource} differs from {IamPolicy.PathOf(role)}:\n{document.ToJsonString()}");
    }

    [Fact]
    public void GitHubRoles_TrustOnlyTheRepositorysDeployEnvironmentAndCleanupBranch()
    {
        var deploy = Template["Resources"]!["GitHubDeployRole"]!["Properties"]!;
        var cleanup = Template["Resources"]!["GitHubCleanupRole"]!["Properties"]!;

        Assert.Equal("repo:${GitHubRepository}:environment:${GitHubDeployEnvironment}", Subject(deploy));
        Assert.Equal("repo:${GitHubRepository}:ref:refs/heads/${GitHubCleanupBranch}", Subject(cleanup));
        Assert.Equal("DeployPolicy", Assert.Single(deploy["ManagedPolicyArns"]!.AsArray())!["Ref"]!.GetValue<string>());
        Assert.Equal("CleanupPolicy", Assert.Single(cleanup["ManagedPolicyArns"]!.AsArray())!["Ref"]!.GetValue<string>());
    }

    private static string Subject(JsonNode role)
    {
        var condition = role["AssumeRolePolicyDocument"]!["Statement"]![0]!["Condition"]!["StringEquals"]!;
        Assert.Equal("sts.amazonaws.com", condition["token.actions.githubusercontent.com:aud"]!.GetValue<string>());
        return condition["token.actions.githubusercontent.com:sub"]!["Fn::Sub"]!.GetValue<string>();
    }

    private static int MaxAge(string cacheControl)
    {
        var directive = cacheControl.Split(',').Select(d => d.Trim()).Single(d => d.StartsWith("max-age=", StringComparison.Ordinal));
        return int.Parse(directive["max-age=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
