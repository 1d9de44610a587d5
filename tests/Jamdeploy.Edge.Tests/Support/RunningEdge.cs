using Jamdeploy.TestSupport;
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

/// <summary>What the edge's log says about requests.</summary>
public static class LogCaptureExtensions
{
    /// <summary>The per-request lines (the ones rendered from the request log template).</summary>
    public static IReadOnlyList<LogEvent> RequestEvents(this LogCapture log) =>
        [.. log.Events.Where(e => e.MessageTemplate.Text == EdgeServer.RequestLogTemplate)];
}
