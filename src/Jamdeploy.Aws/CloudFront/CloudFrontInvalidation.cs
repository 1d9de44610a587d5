namespace Jamdeploy.Aws.CloudFront;

/// <summary>An invalidation as CloudFront reports it.</summary>
public sealed record CloudFrontInvalidation(string Id, string Status, string CallerReference, IReadOnlyList<string> Paths)
{
    /// <summary>CloudFront says "Completed"; moto says "COMPLETED".</summary>
    public bool IsCompleted => Status.Equals("Completed", StringComparison.OrdinalIgnoreCase);
}
