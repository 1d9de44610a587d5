using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;

namespace Jamdeploy.Cli.Tests.Results;

/// <summary>
/// Every command's <c>--json</c> document is written from compile-time metadata only (start-up, issue #16; the Native
/// AOT build has no reflection serializer): a result type left out of <see cref="ResultJsonContext"/> cannot be written
/// at all, and an enum without its closed converter in <see cref="UserOutput.JsonOptions"/> would be written as a number.
/// </summary>
public sealed class ResultJsonContextTests
{
    private static IEnumerable<Type> ResultTypeList() =>
        typeof(ICommandResult).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICommandResult).IsAssignableFrom(t));

    public static TheoryData<string> ResultTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in ResultTypeList()) data.Add(type.FullName!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ResultTypes))]
    public void ResultType_HasCompileTimeJsonMetadata(string typeName)
    {
        var type = typeof(ICommandResult).Assembly.GetType(typeName, throwOnError: true)!;

        Assert.NotNull(ResultJsonContext.Default.GetTypeInfo(type));
    }

    [Fact]
    public void EveryEnumTheDocumentsHold_IsWrittenByItsCamelCaseName()
    {
        var enums = new HashSet<Type>();
        var seen = new HashSet<Type>();
        foreach (var type in ResultTypeList()) CollectEnums(UserOutput.JsonOptions.GetTypeInfo(type), enums, seen);

        Assert.NotEmpty(enums);
        Assert.All(enums, type =>
        {
            var value = Enum.GetValues(type).GetValue(0)!;
            var name = JsonNamingPolicy.CamelCase.ConvertName(value.ToString()!);
            Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(value, UserOutput.JsonOptions.GetTypeInfo(type)));
        });
    }

    private static void CollectEnums(JsonTypeInfo info, HashSet<Type> enums, HashSet<Type> seen)
    {
        if (!seen.Add(info.Type)) return;
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type.IsEnum)
        {
            enums.Add(type);
            return;
        }
        IEnumerable<Type> inner = [.. info.Properties.Select(p => p.PropertyType), .. new[] { info.ElementType, info.KeyType }.OfType<Type>()];
        if (type != info.Type) inner = inner.Append(type);
        foreach (var next in inner) CollectEnums(UserOutput.JsonOptions.GetTypeInfo(next), enums, seen);
    }
}
