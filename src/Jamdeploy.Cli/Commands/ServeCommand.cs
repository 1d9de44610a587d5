using System.CommandLine;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Results;
using Jamdeploy.Edge;
using Jamdeploy.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy serve</c>: the edge. Answers HTTP from the store's live release (the local preview server,
/// and the origin a CDN fetches from), until Ctrl+C or SIGTERM, then finishes the requests in flight.
/// </summary>
public sealed class ServeCommand : CommandBase
{
    private static readonly Option<string?> UrlsOption = new("--urls")
    {
        Description = $"Where to listen, ';'-separated (default Serve:Urls, {new ServeOptions().Urls})",
    };

    private static readonly Option<bool> PreviewOption = new("--preview")
    {
        Description = $"Serve any stored release at <id>.{new PreviewOptions().HostSuffix} and /_jamdeploy/releases/<id>/, also beyond loopback (Serve:Preview:Enabled; unset: on loopback only)",
    };

    public ServeCommand() : base("serve", "Serve the live release over HTTP (local preview, or the origin behind a CDN)")
    {
        Options.Add(UrlsOption);
        Options.Add(PreviewOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var options = ConfigurationLoader.Bind<ServeOptions>(context.Configuration, ServeOptions.SectionName);
        if (context.ParseResult.GetValue(UrlsOption) is { } urls) options = options with { Urls = urls };
        if (context.ParseResult.GetValue(PreviewOption)) options = options with { Preview = options.Preview with { Enabled = true } };
        // A remote store's large blobs are worth a local copy; a local store's blobs already are local files.
        if (options.BlobCache.Directory is null && context.Store is not LocalDirectoryStore)
            options = options with { BlobCache = options.BlobCache with { Directory = Path.GetTempPath() } };

        // A server logs every request: its log is Information-level whatever --verbose says.
        await using var log = Logging.Create(verbose: true, context.Host.Stderr, context.Host);
        await using var app = EdgeServer.Build(context.Store, options, log);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new UsageException($"cannot listen on {options.Urls}: {e.Message}", e);
        }

        var addresses = app.Urls.ToList();
        var serving = ServeResultView.Listening(context.Store.Location, addresses, options);
        context.Output.Write(serving);
        await context.Output.Writer.FlushAsync(CancellationToken.None);

        // Ctrl+C / SIGTERM cancel the token; the host then stops accepting and lets requests in flight finish.
        await app.WaitForShutdownAsync(cancellationToken);
        return serving with { Stopped = true };
    }
}
