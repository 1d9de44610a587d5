using Microsoft.Extensions.Configuration;
using System.CommandLine;
using System.Net.Sockets;
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
        var options = ConfigurationLoader.Bind(context.Configuration, ServeOptions.SectionName, s => s.Get<ServeOptions>());
        if (context.ParseResult.GetValue(UrlsOption) is { } urls) options = options with { Urls = urls };
        if (context.ParseResult.GetValue(PreviewOption)) options = options with { Preview = options.Preview with { Enabled = true } };
        // A remote store's large blobs are worth a local copy; a local store's blobs already are local files.
        if (options.BlobCache.Directory is null && context.Store is not LocalDirectoryStore)
            options = options with { BlobCache = options.BlobCache with { Directory = Path.GetTempPath() } };

        // A server logs every request: its log is Information-level whatever --verbose says.
        await using var log = Logging.Create(verbose: true, context.Host.Stderr, context.Host);
        await using var app = EdgeServer.Build(context.Store, options, log);
        await RequireStoreAsync(context, log, cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new UsageException($"cannot listen on {options.Urls}: {ListenFailure(e)}; free it or choose another address with --urls or Serve:Urls", e);
        }

        var addresses = app.Urls.ToList();
        var serving = ServeResultView.Listening(context.Store.Location, addresses, options);
        context.Output.Write(serving);
        await context.Output.Writer.FlushAsync(CancellationToken.None);

        // Ctrl+C / SIGTERM cancel the token; the host then stops accepting and lets requests in flight finish.
        await app.WaitForShutdownAsync(cancellationToken);
        return serving with { Stopped = true };
    }

    /// <summary>
    /// A store that does not exist (a folder never deployed to, a bucket that is not there) would be served as
    /// 503 forever: a typo in --store, so it is refused (exit 2) before listening. A store that exists but has no
    /// live release yet is served (503 until the first deploy): an origin may well start before it. A store that
    /// cannot be reached at the moment is not refused either: serve answers 503 and reads again.
    /// </summary>
    private static async Task RequireStoreAsync(CommandContext context, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        var store = context.Store;
        if (store is LocalDirectoryStore && !Directory.Exists(store.Location))
            throw new UsageException($"store {store.Location} does not exist: deploy to it first (`jamdeploy deploy <dir> --store {context.StoreLocation}`), or give --store the store you deploy to");
        try
        {
            // On S3 the one read that tells a missing bucket (NoSuchBucket), refused credentials or a wrong region: exit 2.
            await store.GetAsync(StoreLayout.LiveKey, cancellationToken);
        }
        catch (StoreException e)
        {
            log.Warning("Could not read the live pointer from {Store} at start; serving 503 until it can: {Reason}", store.Location, e.Message);
        }
    }

    /// <summary>Why the socket could not be bound, in words (Kestrel's message repeats the address and the exception type).</summary>
    private static string ListenFailure(IOException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "the address is already in use",
                    SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                    SocketError.AddressNotAvailable => "no network interface has that address",
                    _ => socket.Message,
                };
        return e.Message;
    }
}
