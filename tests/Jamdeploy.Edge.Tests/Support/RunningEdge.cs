using System.Net;
using Jamdeploy.Storage;
using Microsoft.AspNetCore.Builder;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Jamdeploy.Edge.Tests.Support;

/// <summary>The real edge on 127.0.0.1 and a free port, with its log lines captured.</summary>
public sealed class RunningEdge : IAsyncDisposable
{
    private RunningEdge(WebApplication app, Uri baseAddress, LogCapture log)
    {
        App = app;
        BaseAddress = baseAddress;
        Log = log;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public LogCapture Log { get; }
    public int Port => BaseAddress.Port;

    public static async Task<RunningEdge> StartAsync(IObjectStore store, ServeOptions? options = null, TimeProvider? time = null)
    {
        var log = new LogCapture();
        var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(log).CreateLogger();
        var app = EdgeServer.Build(store, (options ?? new ServeOptions()) with { Urls = "http://127.0.0.1:0" }, logger, time);
        await app.StartAsync();
        var address = app.Urls.Single();
        return new RunningEdge(app, new Uri(address + "/"), log);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Every log event of one edge, rendered, for assertions on what the log says (and never says).</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_events) _events.Add(logEvent);
    }

    public IReadOnlyList<LogEvent> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    public IReadOnlyList<string> Lines => [.. Events.Select(e => e.RenderMessage() + (e.Exception is null ? "" : " " + e.Exception))];

    /// <summary>
    /// Waits until the log holds what the test expects: the edge writes its log on a background task, and a
    /// request's line is written after its response.
    /// </summary>
    public async Task WaitUntilAsync(Func<LogCapture, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition(this)) await Task.Delay(10, timeout.Token);
    }

    /// <summary>The per-request lines (the ones rendered from the request log template).</summary>
    public IReadOnlyList<LogEvent> RequestEvents => [.. Events.Where(e => e.MessageTemplate.Text == EdgeServer.RequestLogTemplate)];
}
