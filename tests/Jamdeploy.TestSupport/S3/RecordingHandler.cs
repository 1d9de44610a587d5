using System.Collections.Concurrent;
using System.Net;

namespace Jamdeploy.TestSupport.S3;

/// <summary>One HTTP request the S3 client sent, as the wire saw it.</summary>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string Query,
    long BodyBytes,
    HttpStatusCode? Status,
    IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    /// <summary>The object key, for a path-style URL (<c>/bucket/key</c>).</summary>
    public string Key => Path.Split('/', 3) is [_, _, var key] ? Uri.UnescapeDataString(key) : "";
}

/// <summary>
/// Counts and records every request the real S3 client sends through it: the proof of request budgets
/// (a no-op redeploy makes O(1) requests) and of what goes on the wire (checksum and condition headers).
/// </summary>
public sealed class RecordingHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public int Count => _requests.Count;

    public long BytesSent => _requests.Sum(r => r.BodyBytes);

    public void Clear() => _requests.Clear();

    /// <summary>Requests per method and S3 operation, for reports: "PUT 120, GET 2, LIST 1".</summary>
    public string Summary() =>
        string.Join(", ", Requests.GroupBy(r => r.Method + (r.Query.Contains("list-type", StringComparison.Ordinal) ? " (list)" : r.Query.Contains("delete", StringComparison.Ordinal) ? " (delete)" : ""))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>();
        foreach (var (name, values) in request.Headers) headers[name.ToLowerInvariant()] = string.Join(",", values);
        if (request.Content is not null)
            foreach (var (name, values) in request.Content.Headers) headers[name.ToLowerInvariant()] = string.Join(",", values);
        var bytes = request.Content?.Headers.ContentLength ?? 0;

        HttpStatusCode? status = null;
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            status = response.StatusCode;
            return response;
        }
        finally
        {
            _requests.Enqueue(new RecordedRequest(request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query, bytes, status, headers));
        }
    }
}
