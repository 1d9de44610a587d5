using Jamdeploy.Cli.Ci;
using Jamdeploy.Cli.Output;
using Jamdeploy.TestSupport;

namespace Jamdeploy.Cli.Tests.Output;

/// <summary>One byte formatter: binary units with one decimal, everywhere a size is printed for people.</summary>
public sealed class FormatTests : IDisposable
{
    private readonly TempDirectory _workspace = new("format");

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(1_048_550, "1.0 MiB")] // 1023.97 KiB rounds up: not "1024.0 KiB"
    [InlineData(1_258_291, "1.2 MiB")]
    [InlineData(4L * 1024 * 1024, "4.0 MiB")]
    [InlineData(300L * 1024 * 1024, "300.0 MiB")]
    [InlineData(5L * 1024 * 1024 * 1024 * 1024, "5.0 TiB")]
    public void Bytes_BinaryUnitsOneDecimal(long bytes, string expected) => Assert.Equal(expected, Format.Bytes(bytes));

    /// <summary>The same deploy read by a person in the log and in GitHub's job summary says the same size.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Deploy_HumanLineAndCiSummary_SameByteUnits()
    {
        var site = Some.BulkSite(_workspace, files: 3, size: 512 * 1024);
        var deployed = await InProcessCli.RunAsync(["deploy", site, "--store", _workspace.Combine("store")]);
        var report = new CiDeployReport("store", CiDeployOutcomes.Live, 0, true, "r1", null, null, null, null,
            new CiPlanCounts(3, 3 * 512 * 1024, 3, 3 * 512 * 1024, 0), 0);

        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Contains("3 files, 3 new blobs (1.5 MiB)", deployed.Stdout);
        Assert.Contains("| Uploaded | 3 new blobs (1.5 MiB) |", GitHubActionsOutputs.FormatStepSummary(report));
    }
}
