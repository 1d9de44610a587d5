using System.Reflection;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Jamdeploy.TestSupport;

/// <summary>
/// Marks a test class that takes tens of seconds (a package build, many processes racing, page loads under flips),
/// so <see cref="LongestFirstOrderer"/> starts its collection before the short ones.
/// </summary>
/// <param name="seconds">About how long the class takes on an idle CI machine: the longest start first.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RunsLongAttribute(int seconds) : Attribute
{
    public int Seconds { get; } = seconds;
}

/// <summary>
/// Starts the collections of <see cref="RunsLongAttribute"/> classes first, longest first, the rest in xunit's own
/// order after them. The suite is bound by CPU on two test threads: a long class started last runs alone at the end while the
/// other thread has nothing left (ServerlessEdgeEndToEndTests ran alone for its last 25 s), where short classes could
/// have filled the gaps. Use with
/// <c>[assembly: TestCollectionOrderer(LongestFirstOrderer.TypeName, LongestFirstOrderer.AssemblyName)]</c>.
/// </summary>
public sealed class LongestFirstOrderer : ITestCollectionOrderer
{
    public const string TypeName = "Jamdeploy.TestSupport.LongestFirstOrderer";
    public const string AssemblyName = "Jamdeploy.TestSupport";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        var collections = testCollections.ToList();
        var longOnes = collections.Select(c => c.TestAssembly.Assembly).OfType<IReflectionAssemblyInfo>().Select(a => a.Assembly).Distinct()
            .SelectMany(a => a.GetTypes())
            .Select(t => (Collection: CollectionName(t), t.GetCustomAttribute<RunsLongAttribute>()?.Seconds))
            .Where(t => t.Seconds is not null)
            .GroupBy(t => t.Collection, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(t => t.Seconds!.Value), StringComparer.Ordinal);
        return collections.OrderByDescending(c => longOnes.GetValueOrDefault(c.DisplayName));
    }

    // xunit's names: a class in a named collection belongs to that one, any other class to a collection of its own.
    private static string CollectionName(Type type) =>
        type.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType == typeof(CollectionAttribute))?.ConstructorArguments[0].Value as string
        ?? $"Test collection for {type.FullName}";
}
