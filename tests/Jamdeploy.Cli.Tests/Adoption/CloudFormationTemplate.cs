using System.Text.Json.Nodes;

namespace Jamdeploy.Cli.Tests.Adoption;

/// <summary>A template of deploy/cloudformation, read for the assertions on what it declares.</summary>
internal sealed class CloudFormationTemplate(string fileName)
{
    private readonly JsonObject _root = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("deploy", "cloudformation", fileName)))!.AsObject();

    public string Path { get; } = RepositoryRoot.Combine("deploy", "cloudformation", fileName);

    /// <summary>A top-level section: Parameters, Rules, Resources, Outputs.</summary>
    public JsonNode? this[string section] => _root[section];

    /// <summary>The one resource of <paramref name="type"/> (failing when there are none or several).</summary>
    public JsonNode SingleResource(string type) =>
        Assert.Single(_root["Resources"]!.AsObject(), r => r.Value!["Type"]!.GetValue<string>() == type).Value!;

    public string LogicalId(JsonNode resource) => _root["Resources"]!.AsObject().Single(r => r.Value == resource).Key;

    public string ResourceType(string logicalId) => _root["Resources"]![logicalId]!["Type"]!.GetValue<string>();

    public static JsonObject Properties(JsonNode resource) => resource["Properties"]!.AsObject();

    /// <summary>
    /// Fn::Sub back to the text with its placeholders, as deploy/iam writes it: the variable map (whose every
    /// name the text must use) names the stack's resources for them.
    /// </summary>
    public static string SubstitutedString(JsonNode resource)
    {
        var sub = resource["Fn::Sub"]!;
        if (sub is JsonValue text) return text.GetValue<string>();
        var template = sub[0]!.GetValue<string>();
        var variables = sub[1]!.AsObject();
        Assert.All(variables, v => Assert.Contains("${" + v.Key + "}", template, StringComparison.Ordinal));
        return template;
    }
}
