using System.Collections.Concurrent;

namespace Jamdeploy.Bench.S3;

/// <summary>Counts the S3 client's HTTP requests by kind and the body bytes it sends.</summary>
internal sealed class WireCounter : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, int> _byKind = new();
    private long _bytesSent;

    public int Total => _byKind.Values.Sum();

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public void Reset()
    {
        _byKind.Clear();
        Interlocked.Exchange(ref _bytesSent, 0);
    }

    public override string ToString() =>
        string.Join(", ", _byKind.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var query = request.RequestUri?.Query ?? "";
        var kind = request.Method.Method
            + (query.Contains("list-type", StringComparison.Ordinal) ? " list"
                : query.Contains("delete", StringComparison.Ordinal) ? " delete"
                : query.Contains("uploadId", StringComparison.Ordinal) || query.Contains("uploads", StringComparison.Ordinal) ? " multipart"
                : request.RequestUri?.AbsolutePath.Contains("/blobs/", StringComparison.Ordinal) == true ? " blob"
                : "");
        _byKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
        Interlocked.Add(ref _bytesSent, request.Content?.Headers.ContentLength ?? 0);
        return base.SendAsync(request, cancellationToken);
    }
}
