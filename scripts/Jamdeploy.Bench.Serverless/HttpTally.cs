using System.Collections.Concurrent;
using System.Diagnostics;

namespace Jamdeploy.Bench.Serverless;

/// <summary>
/// Counts every HTTP request this process sends, by kind, from the HttpClient stack's own diagnostics
/// ("HttpHandlerDiagnosticListener"): the CLI builds its S3, CloudFront and KeyValueStore clients itself, so
/// no handler of ours can sit in them. A retry is one more request, as on the wire.
/// </summary>
internal sealed class HttpTally : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const string StartEvent = "System.Net.Http.HttpRequestOut.Start";

    private readonly ConcurrentDictionary<string, int> _byKind = new();
    private readonly Func<HttpRequestMessage, string?> _classify;
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _subscriptions = [];

    /// <param name="classify">The kind of a request ("S3 GET", "KVS PutKey", …), or null to leave it uncounted.</param>
    public HttpTally(Func<HttpRequestMessage, string?> classify)
    {
        _classify = classify;
        _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    public IReadOnlyDictionary<string, int> Snapshot() => new SortedDictionary<string, int>(_byKind, StringComparer.Ordinal);

    public void Reset() => _byKind.Clear();

    public void Dispose()
    {
        lock (_gate) foreach (var subscription in _subscriptions) subscription.Dispose();
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name != "HttpHandlerDiagnosticListener") return;
        // The activity itself must be enabled for its Start event to be written.
        var subscription = listener.Subscribe(this, (name, _, _) => name is "System.Net.Http.HttpRequestOut" or StartEvent);
        lock (_gate) _subscriptions.Add(subscription);
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != StartEvent || value.Value is not { } payload) return;
        // The payload is an internal type with a public Request property.
        if (payload.GetType().GetProperty("Request")?.GetValue(payload) is not HttpRequestMessage request) return;
        if (_classify(request) is { } kind) _byKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }
    void IObserver<DiagnosticListener>.OnError(Exception error) { }
    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }
    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }
}
