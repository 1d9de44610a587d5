namespace Jamdeploy.Cli;

public static class JamdeployCli
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(0);
}
