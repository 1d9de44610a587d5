using System.Diagnostics;
using System.Text.Json;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cdn;

/// <summary>What CloudFront (moto) holds, read with boto3: an independent client, not jamdeploy's own.</summary>
internal static class Boto3CloudFront
{
    private const string Script = """
        import boto3, json, sys, uuid
        cf = boto3.client("cloudfront", endpoint_url=sys.argv[1], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        if sys.argv[2] == "create":
            origin = {"Id": "site", "DomainName": "origin.example.com",
                      "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}
            created = cf.create_distribution(DistributionConfig={
                "CallerReference": str(uuid.uuid4()), "Comment": "jamdeploy cli test", "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [origin]},
                "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https"}})
            print(created["Distribution"]["Id"])
        else:
            listed = cf.list_invalidations(DistributionId=sys.argv[3])["InvalidationList"].get("Items", [])
            result = []
            for summary in listed:
                batch = cf.get_invalidation(DistributionId=sys.argv[3], Id=summary["Id"])["Invalidation"]["InvalidationBatch"]
                result.append({"callerReference": batch["CallerReference"], "paths": batch["Paths"].get("Items", [])})
            print(json.dumps(result))
        """;

    public static async Task<string> CreateDistributionAsync(MotoServer moto) => (await RunAsync(moto.Endpoint, "create")).Trim();

    /// <summary>Each invalidation's paths, oldest first.</summary>
    public static async Task<IReadOnlyList<string[]>> InvalidationPathsAsync(MotoServer moto, string distributionId)
    {
        var json = await RunAsync(moto.Endpoint, "list", distributionId);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(i => i.GetProperty("paths").EnumerateArray().Select(p => p.GetString()!).ToArray())];
    }

    private static async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("python3", ["-c", Script, .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await error);
        return await output;
    }
}
