using Jamdeploy.Cdn;

namespace Jamdeploy.Core.Tests.Invalidation;

/// <summary>
/// A CDN that remembers what it was asked to forget (nothing local can be told to forget paths);
/// <see cref="OnInvalidate"/> runs first and may cancel or throw.
/// </summary>
internal sealed class RecordingCdn : ICdnInvalidator
{
    public List<InvalidationRequest> Requests { get; } = [];

    public Action? OnInvalidate { get; set; }

    public string Name => "recording";

    public Task CheckReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<InvalidationOutcome> InvalidateAsync(InvalidationRequest request, CancellationToken cancellationToken)
    {
        OnInvalidate?.Invoke();
        cancellationToken.ThrowIfCancellationRequested();
        Requests.Add(request);
        return Task.FromResult(new InvalidationOutcome([$"I{Requests.Count}"], request.Paths.Count, true));
    }
}
