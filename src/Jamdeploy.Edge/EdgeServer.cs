using Jamdeploy.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Jamdeploy.Edge;

/// <summary>
/// Builds the edge: Kestrel, one store, one set of options. The CLI's <c>jamdeploy serve</c> and the tests
/// start the same server through <see cref="Build"/>. It reads no configuration or environment of its own:
/// the caller has already bound <see cref="ServeOptions"/>.
/// </summary>
public static class EdgeServer
{
    public const string RequestLogTemplate = RequestLog.Template;

    public static WebApplication Build(IObjectStore store, ServeOptions options, ILogger logger, TimeProvider? time = null)
    {
        options.Validate();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(EdgeServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Every connection writes straight to its socket, so a blob file can follow the headers by sendfile.
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(SocketOutput.Wrap));
        });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        // One logging API: our types take Serilog's ILogger (registered by AddSerilog), and ASP.NET Core's own
        // Microsoft.Extensions.Logging events go through the same logger.
        var edgeLogger = EdgeLog.Create(logger);
        builder.Services.AddSerilog(edgeLogger, dispose: true);

        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(new CacheRules(options.CacheControl));
        builder.Services.AddSingleton<LiveReleaseCache>();
        builder.Services.AddSingleton(services => new BlobReader(
            store, options.BlobCache, services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
        builder.Services.AddSingleton<FileResponder>();
        builder.Services.AddSingleton<EdgeEndpoints>();

        var app = builder.Build();
        if (options.RequestLog) app.Use(new RequestLog(edgeLogger.ForContext<RequestLog>()).InvokeAsync);
        var endpoints = app.Services.GetRequiredService<EdgeEndpoints>();
        app.Use(endpoints.CheckTargetAsync);
        endpoints.Map(app);
        return app;
    }
}
