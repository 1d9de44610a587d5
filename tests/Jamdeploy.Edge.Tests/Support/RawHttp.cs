using System.Net.Sockets;
using System.Text;

namespace Jamdeploy.Edge.Tests.Support;

/// <summary>The answer to one raw request: status code and everything after the head, as text.</summary>
public sealed record RawResponse(int Status, string Head, string Body)
{
    /// <summary>Everything after the head as sent (a compressed body is not text).</summary>
    public byte[] BodyBytes { get; init; } = [];
}

/// <summary>
/// Sends a request target exactly as given, over a plain socket, so no client library normalises dot
/// segments or re-encodes what an attacker would send.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(int port, string method, string target, string? extraHeaders = null, string? host = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var stream = client.GetStream();
        var request = $"{method} {target} HTTP/1.1\r\nHost: {host ?? $"127.0.0.1:{port}"}\r\n{extraHeaders}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        var text = Encoding.UTF8.GetString(bytes);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = headEnd < 0 ? text : text[..headEnd];
        var statusLine = head.Split("\r\n")[0];
        var status = int.Parse(statusLine.Split(' ')[1]);
        // The head is ASCII, so its length in text is its length in bytes.
        return new RawResponse(status, head, headEnd < 0 ? "" : text[(headEnd + 4)..]) { BodyBytes = headEnd < 0 ? [] : bytes[(headEnd + 4)..] };
    }
}
