using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Cleanup;

/// <summary>Runs jamdeploy in process (<see cref="InProcessCli"/>) against one store, capturing what a user would read.</summary>
internal static class CliRun
{
    public static async Task<ProcessResult> SucceedsAsync(string store, params string[] args)
    {
        var result = await InProcessCli.RunAsync([.. args, "--store", store]);
        Assert.True(result.ExitCode == ExitCodes.Done, $"jamdeploy {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>Deploys <c>count</c> versions of a small site, each live in turn; returns the release ids, oldest first.</summary>
    public static async Task<IReadOnlyList<string>> DeployVersionsAsync(TempDirectory workspace, string store, int count)
    {
        var ids = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            var site = Some.Site(workspace, $"site-v{i}", $"v{i}");
            var result = await SucceedsAsync(store, "deploy", site, "--json");
            using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
            ids.Add(json.RootElement.GetProperty("release").GetString()!);
        }
        return ids;
    }
}
