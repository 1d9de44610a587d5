using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Tests.Results;

/// <summary>
/// Every command's <c>--json</c> document is written from compile-time metadata (start-up, issue #16): a result type
/// left out of <see cref="ResultJsonContext"/> would still be written, through reflection, and quietly cost a fresh
/// process the reflection serializer again.
/// </summary>
public sealed class ResultJsonContextTests
{
    public static TheoryData<string> ResultTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in typeof(ICommandResult).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICommandResult).IsAssignableFrom(t)))
            data.Add(type.FullName!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ResultTypes))]
    public void ResultType_HasCompileTimeJsonMetadata(string typeName)
    {
        var type = typeof(ICommandResult).Assembly.GetType(typeName, throwOnError: true)!;

        Assert.NotNull(ResultJsonContext.Default.GetTypeInfo(type));
    }
}
