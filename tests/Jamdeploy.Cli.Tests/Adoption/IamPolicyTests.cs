using System.Text.Json;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>
/// The IAM policies in deploy/iam grant exactly what the code calls (together), and each role only what its
/// job needs: serve reads, cleanup reads and deletes (and holds the store lease), deploy writes and
/// invalidates but deletes no content; the serverless edge's deploy writes the same and moves the
/// KeyValueStore pointer of its one store instead of invalidating.
/// </summary>
public sealed class IamPolicyTests
{
    private const string Bucket = "arn:aws:s3:::${BucketName}";
    private const string Site = Bucket + "/${SitePrefix}";
    private const string Distribution = "arn:aws:cloudfront::${AWS::AccountId}:distribution/${DistributionId}";
    private const string KeyValueStore = "arn:aws:cloudfront::${AWS::AccountId}:key-value-store/${KeyValueStoreId}";
    private static readonly string[] KeyValueStoreActions =
        ["cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:GetKey", "cloudfront-keyvaluestore:PutKey"];

    /// <summary>
    /// The IAM actions of the AWS calls the product makes, per service: the reviewed list the policies are
    /// checked against, and that the source is scanned against wherever that service's client is in it.
    /// </summary>
    private static readonly Dictionary<string, string[]> CalledActions = new(StringComparer.Ordinal)
    {
        ["s3"] = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "s3:DeleteObject"],
        ["cloudfront"] = ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
        ["cloudfront-keyvaluestore"] = KeyValueStoreActions,
    };

    [Fact]
    public void Policies_Together_GrantExactlyTheCalledActions()
    {
        var granted = IamPolicy.All.SelectMany(p => p.Statements).SelectMany(s => s.Actions).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(CalledActions.Values.SelectMany(a => a).Order(), granted.Order());
    }

    /// <summary>
    /// Reads src/ for the S3 SDK calls and CloudFront REST requests, and checks they are exactly the list above:
    /// a new call fails here until the list and a policy grant it, a call removed fails until both drop it.
    /// A service whose client is not in this source tree has nothing to compare (its client is on another branch).
    /// </summary>
    [Fact]
    public void CalledActions_AreExactlyTheAwsCallsInTheSource()
    {
        var source = RepositoryRoot.Combine("src");
        var used = AwsOperationsInCode.Scan(source);

        Assert.All(used.Keys, action => Assert.Contains(Service(action), CalledActions.Keys));
        foreach (var (service, actions) in CalledActions)
        {
            if (!AwsOperationsInCode.HasClient(source, service)) continue;
            var found = used.Where(u => Service(u.Key) == service).ToDictionary(u => u.Key, u => u.Value);
            var missing = found.Keys.Except(actions).Select(a => $"{a} ({string.Join(", ", found[a])})").ToList();
            var unused = actions.Except(found.Keys).ToList();
            Assert.True(missing.Count == 0, $"{service}: called but not in the list (nor, then, in a policy): " + string.Join("; ", missing));
            Assert.True(unused.Count == 0, $"{service}: listed and granted but never called: " + string.Join(", ", unused));
        }
    }

    private static string Service(string action) => action[..action.IndexOf(':', StringComparison.Ordinal)];

    [Theory]
    [InlineData("deploy", new[] { "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation" })]
    [InlineData("cleanup", new[] { "s3:ListBucket", "s3:GetObject", "s3:DeleteObject", "s3:PutObject" })]
    [InlineData("serve", new[] { "s3:ListBucket", "s3:GetObject" })]
    [InlineData("serverless-deploy", new[] { "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:GetKey", "cloudfront-keyvaluestore:PutKey" })]
    public void Policy_EachRole_GrantsTheActionsOfItsJob(string role, string[] job)
    {
        var granted = IamPolicy.Load(role).Statements.SelectMany(s => s.Actions).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(job.Order(), granted.Order());
    }

    [Fact]
    public void ServePolicy_ReadsOnly()
    {
        foreach (var statement in IamPolicy.Load("serve").Statements)
            Assert.All(statement.Actions, action => Assert.Contains(action, new[] { "s3:GetObject", "s3:ListBucket" }));
    }

    [Fact]
    public void DeployPolicy_WritesOnlyBlobsReleasesPointerPinsAndTheLease_DeletesOnlyPins()
    {
        var deploy = IamPolicy.Load("deploy");

        Assert.Equal(
            new[] { Site + "blobs/*", Site + "lease.json", Site + "live.json", Site + "pins/*", Site + "releases/*" },
            deploy.ResourcesFor("s3:PutObject"));
        Assert.Equal(new[] { Site + "pins/*" }, deploy.ResourcesFor("s3:DeleteObject"));
        Assert.Equal(new[] { Site + "blobs/*" }, deploy.ResourcesFor("s3:AbortMultipartUpload"));
        Assert.Equal(new[] { Distribution }, deploy.ResourcesFor("cloudfront:CreateInvalidation"));
    }

    /// <summary>
    /// The serverless edge's deploy role (deploy/cloudformation/jamdeploy-serverless.json): every S3 grant of the deploy
    /// role, statement for statement; no invalidation (the cache key names the release); DescribeKeyValueStore, GetKey
    /// and PutKey on the one KeyValueStore of the stack, nothing else of CloudFront.
    /// </summary>
    [Fact]
    public void ServerlessDeployPolicy_IsTheDeploysStoreGrants_PlusThePointerOfItsOneKeyValueStore()
    {
        var serverless = IamPolicy.Load("serverless-deploy");
        static string Grant(IamStatement s) => string.Join(' ', s.Actions) + " on " + string.Join(' ', s.Resources);

        Assert.Equal(
            IamPolicy.Load("deploy").Statements.Where(s => s.Actions.All(a => a.StartsWith("s3:", StringComparison.Ordinal))).Select(Grant),
            serverless.Statements.Where(s => s.Actions.All(a => a.StartsWith("s3:", StringComparison.Ordinal))).Select(Grant));
        var edge = Assert.Single(serverless.Statements, s => s.Actions.Any(a => !a.StartsWith("s3:", StringComparison.Ordinal)));
        Assert.Equal(KeyValueStoreActions, edge.Actions.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { KeyValueStore }, edge.Resources);
    }

    [Fact]
    public void CleanupPolicy_DeletesOnlyReleasesAndBlobs_WritesOnlyTheLease()
    {
        var cleanup = IamPolicy.Load("cleanup");

        Assert.Equal(new[] { Site + "blobs/*", Site + "releases/*" }, cleanup.ResourcesFor("s3:DeleteObject"));
        Assert.Equal(new[] { Site + "lease.json" }, cleanup.ResourcesFor("s3:PutObject"));
        Assert.DoesNotContain(cleanup.Statements.SelectMany(s => s.Actions), a => a.StartsWith("cloudfront:", StringComparison.Ordinal));
    }

    [Fact]
    public void Policies_NeverUseWildcardActionsOrResourcesOutsideTheSite()
    {
        foreach (var policy in IamPolicy.All)
        foreach (var statement in policy.Statements)
        {
            Assert.Equal("Allow", statement.Effect);
            Assert.All(statement.Actions, a => Assert.DoesNotContain("*", a, StringComparison.Ordinal));
            Assert.All(statement.Resources, r => Assert.True(
                r == Bucket && statement.Actions.SequenceEqual(["s3:ListBucket"])
                || r.StartsWith(Site, StringComparison.Ordinal) && statement.Actions.All(a => a.StartsWith("s3:", StringComparison.Ordinal))
                || r == Distribution && statement.Actions.All(a => a.StartsWith("cloudfront:", StringComparison.Ordinal))
                || r == KeyValueStore && statement.Actions.All(a => a.StartsWith("cloudfront-keyvaluestore:", StringComparison.Ordinal)),
                $"{policy.Role}: {r} is outside the site, its distribution and its KeyValueStore (only ListBucket may name the bucket itself)"));
        }
    }
}

/// <summary>One of the policy documents in deploy/iam, read as IAM reads it (a string or a list for Action and Resource).</summary>
internal sealed record IamPolicy(string Role, IReadOnlyList<IamStatement> Statements)
{
    public static readonly string[] Roles = ["deploy", "cleanup", "serve", "serverless-deploy"];

    public static IEnumerable<IamPolicy> All => Roles.Select(Load);

    public static string PathOf(string role) => RepositoryRoot.Combine("deploy", "iam", $"{role}-policy.json");

    public static IamPolicy Load(string role)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(PathOf(role)));
        Assert.Equal("2012-10-17", document.RootElement.GetProperty("Version").GetString());
        return new IamPolicy(role, document.RootElement.GetProperty("Statement").EnumerateArray().Select(IamStatement.Read).ToList());
    }

    public IReadOnlyList<string> ResourcesFor(string action) =>
        Statements.Where(s => s.Actions.Contains(action)).SelectMany(s => s.Resources).Distinct().Order(StringComparer.Ordinal).ToList();
}

internal sealed record IamStatement(string Effect, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources)
{
    public static IamStatement Read(JsonElement statement) => new(
        statement.GetProperty("Effect").GetString()!,
        StringOrList(statement.GetProperty("Action")),
        StringOrList(statement.GetProperty("Resource")));

    public static IReadOnlyList<string> StringOrList(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? value.EnumerateArray().Select(v => v.GetString()!).ToList()
        : [value.GetString()!];
}
