using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Jamdeploy.Cli.Hosting;

/// <summary>One setting the configuration can hold: its key (<c>Deploy:Ignore</c>), its type, and the options type's default.</summary>
public sealed record Setting(string Key, Type Type, object? Default)
{
    /// <summary>Whether the default is a value worth writing down (not null, not an empty list).</summary>
    public bool HasDefault => Default switch
    {
        null => false,
        string => true,
        IEnumerable items => items.Cast<object?>().Any(),
        _ => true,
    };
}

/// <summary>
/// The keys configuration may hold, read by reflection from the options types (as the configuration binder
/// sees them: public settable properties, nested records as sections, lists by index, dictionaries by any
/// name), and their defaults. Nothing here lists a key by hand, so a new option is known by being declared.
/// </summary>
public sealed class SettingsSchema
{
    private const int MaxDepth = 16;

    private readonly Node _root;

    private SettingsSchema(Type root, object defaults)
    {
        _root = Build(root, 0);
        Settings = [.. Leaves(root, defaults, "")];
    }

    /// <summary>jamdeploy's configuration, as <see cref="JamdeploySettings"/> declares it.</summary>
    public static SettingsSchema Jamdeploy { get; } = new(typeof(JamdeploySettings), new JamdeploySettings());

    /// <summary>The schema of <typeparamref name="T"/>, with <paramref name="values"/> (its defaults when omitted) as the settings' values.</summary>
    public static SettingsSchema For<T>(T? values = null) where T : class, new() => new(typeof(T), values ?? new T());

    /// <summary>Every setting (a value, a list or a dictionary), in declaration order, with its default.</summary>
    public IReadOnlyList<Setting> Settings { get; }

    /// <summary>The shortest start of <paramref name="key"/> that names no setting, or null when the key is known.</summary>
    public string? UnknownPart(string key)
    {
        var segments = key.Split(':');
        var node = _root;
        for (var i = 0; i < segments.Length; i++)
        {
            var next = node.Step(segments[i]);
            if (next is null) return string.Join(':', segments[..(i + 1)]);
            node = next;
        }
        return null;
    }

    /// <summary>
    /// The known key nearest an unknown one (as <see cref="UnknownPart"/> returns it): a sibling spelled
    /// nearly the same (<c>Cdn:Provder</c> → <c>Cdn:Provider</c>), else a key of that name in another section
    /// (<c>Deploy:KeepLast</c> → <c>Cleanup:KeepLast</c>); null when nothing is close.
    /// </summary>
    public string? Nearest(string unknown)
    {
        var segments = unknown.Split(':');
        var name = segments[^1];
        var parent = _root;
        var path = new List<string>();
        foreach (var segment in segments[..^1])
        {
            path.Add(parent.CanonicalName(segment));
            parent = parent.Step(segment) ?? throw new ArgumentException($"'{unknown}' does not start with a known section", nameof(unknown));
        }
        var sibling = parent.Children.Keys
            .Select(candidate => (candidate, distance: Distance(name, candidate)))
            .Where(c => c.distance <= Math.Max(2, name.Length / 3))
            .OrderBy(c => c.distance).ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Select(c => c.candidate).FirstOrDefault();
        if (sibling is not null) return string.Join(':', path.Append(sibling));
        return Settings.Select(s => s.Key).FirstOrDefault(k => k.Split(':')[^1].Equals(name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The defaults as a configuration document (the shipped appsettings.json): every setting that has one, nested by section.</summary>
    public JsonObject DefaultsDocument()
    {
        var document = new JsonObject();
        foreach (var setting in Settings.Where(s => s.HasDefault))
        {
            var segments = setting.Key.Split(':');
            var section = document;
            foreach (var segment in segments[..^1])
                section = section[segment] as JsonObject ?? (JsonObject)(section[segment] = new JsonObject());
            section[segments[^1]] = Json(setting.Default!);
        }
        return document;
    }

    /// <summary>A value as configuration writes it: <c>true</c>, <c>16</c>, <c>1.00:00:00</c>, <c>Redirect</c>.</summary>
    public static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static JsonNode Json(object value) => value switch
    {
        bool b => JsonValue.Create(b),
        int or long or short or byte or uint or ulong or ushort or sbyte => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        double or float or decimal => JsonValue.Create(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
        string s => JsonValue.Create(s),
        IDictionary => throw new NotSupportedException("a dictionary-valued setting with a default: write how it is shipped first"),
        IEnumerable items => new JsonArray([.. items.Cast<object>().Select(Json)]),
        _ => JsonValue.Create(Text(value)),
    };

    private static IEnumerable<Setting> Leaves(Type type, object? instance, string prefix)
    {
        foreach (var property in SettableProperties(type))
        {
            var key = prefix + property.Name;
            var value = instance is null ? null : property.GetValue(instance);
            if (IsScalar(property.PropertyType) || ElementType(property.PropertyType) is not null || DictionaryValueType(property.PropertyType) is not null)
                yield return new Setting(key, property.PropertyType, value);
            else
                foreach (var leaf in Leaves(property.PropertyType, value, key + ":")) yield return leaf;
        }
    }

    private static Node Build(Type type, int depth)
    {
        if (depth > MaxDepth) throw new InvalidOperationException($"the settings type {type.Name} nests more than {MaxDepth} deep; is it recursive?");
        if (IsScalar(type)) return new Node(Node.Kind.Value);
        if (DictionaryValueType(type) is { } value) return new Node(Node.Kind.Dictionary) { Items = Build(value, depth + 1) };
        if (ElementType(type) is { } element) return new Node(Node.Kind.List) { Items = Build(element, depth + 1) };
        var section = new Node(Node.Kind.Section);
        foreach (var property in SettableProperties(type)) section.Children[property.Name] = Build(property.PropertyType, depth + 1);
        return section;
    }

    // What the configuration binder binds: public instance properties it can set. [JsonIgnore] marks a
    // property the options type carries but configuration does not set (it is derived from another key).
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The settings types are in jamdeploy's own assemblies, which the Native AOT build keeps whole (TrimmerRootAssembly, Jamdeploy.Cli.csproj); ToolDistributionTests runs the native tool on the shipped settings.")]
    private static IEnumerable<PropertyInfo> SettableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && !p.IsDefined(typeof(JsonIgnoreAttribute)))
            .OrderBy(p => RuntimeFeature.IsDynamicCodeSupported ? p.MetadataToken : 0);

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan)
            || t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(Uri) || t == typeof(Guid);
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : GenericArgument(type, typeof(IEnumerable<>)) is { } t ? (DictionaryValueType(type) is null ? t : null)
        : null;

    private static Type? DictionaryValueType(Type type) =>
        (GenericArguments(type, typeof(IDictionary<,>)) ?? GenericArguments(type, typeof(IReadOnlyDictionary<,>))) is [var key, var value] && key == typeof(string)
            ? value
            : null;

    private static Type? GenericArgument(Type type, Type definition) => GenericArguments(type, definition) is [var only] ? only : null;

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The settings types are in jamdeploy's own assemblies, which the Native AOT build keeps whole (TrimmerRootAssembly, Jamdeploy.Cli.csproj); ToolDistributionTests runs the native tool on the shipped settings.")]
    private static Type[]? GenericArguments(Type type, Type definition) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == definition ? type : null)?.GetGenericArguments()
        ?? type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition)?.GetGenericArguments();

    /// <summary>Edits between two names, ignoring case (Levenshtein).</summary>
    private static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    private sealed class Node(Node.Kind kind)
    {
        public enum Kind { Value, Section, List, Dictionary }

        public Dictionary<string, Node> Children { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>What a list item or a dictionary entry is.</summary>
        public Node? Items { get; init; }

        /// <summary>Where a key segment leads, or null when it names nothing here.</summary>
        public Node? Step(string segment) => kind switch
        {
            Kind.Section => Children.GetValueOrDefault(segment),
            Kind.List when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _) => Items,
            Kind.Dictionary when segment.Length > 0 => Items,
            _ => null,
        };

        /// <summary>The segment as the options type spells it (an index or a dictionary key as given).</summary>
        public string CanonicalName(string segment) =>
            kind == Kind.Section ? Children.Keys.First(k => k.Equals(segment, StringComparison.OrdinalIgnoreCase)) : segment;
    }
}
