using System.CommandLine;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;
using Jamdeploy.Deploying;
using Jamdeploy.Invalidation;
using Jamdeploy.Releases;
using Jamdeploy.Storage;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Jamdeploy.Cli.Commands;

/// <summary>Everything a command needs, built once per invocation from configuration and flags.</summary>
public sealed class CommandContext
{
    private IObjectStore? _store;
    private CdnSettings? _cdnSettings;
    private (EdgePointerSync? Sync, bool Created) _edgePointer;

    private CommandContext(ParseResult parseResult, IConfiguration configuration, string storeLocation, UserOutput output, ILogger log, CliHost host)
    {
        Host = host;
        ParseResult = parseResult;
        Configuration = configuration;
        StoreLocation = storeLocation;
        Output = output;
        Log = log;
    }

    public ParseResult ParseResult { get; }
    public IConfiguration Configuration { get; }
    public string StoreLocation { get; }
    public UserOutput Output { get; }
    public ILogger Log { get; }
    public TimeProvider Time { get; } = TimeProvider.System;
    public CliHost Host { get; }
    public string WorkingDirectory => Host.WorkingDirectory;

    public static CommandContext Create(ParseResult parseResult, string? storeFlag, UserOutput output, ILogger log, CliHost host)
    {
        var configuration = ConfigurationLoader.Load(host.WorkingDirectory, host.Environment);
        var location = storeFlag ?? configuration[nameof(JamdeploySettings.Store)] ?? StoreFactory.DefaultLocation;
        if (string.IsNullOrWhiteSpace(location)) throw new UsageException("--store is empty; give a directory or s3://bucket/prefix");
        return new CommandContext(parseResult, configuration, location, output, log, host);
    }

    public IObjectStore Store => _store ??= StoreFactory.Open(StoreLocation, Configuration, WorkingDirectory, Log);

    public DeployOptions DeployOptions
    {
        get
        {
            var options = ConfigurationLoader.Bind(Configuration, nameof(JamdeploySettings.Deploy), s => s.Get<DeployOptions>()) with
            {
                // One key, one default: the deploy trusts blobs by the same grace period cleanup honours.
                GracePeriod = ConfigurationLoader.Bind(Configuration, Commands.CleanupCommand.Section, s => s.Get<Cleanup.RetentionRules>()).GracePeriod,
                // A path serve would answer 414 is refused at deploy, by the limit serve enforces.
                MaxPathLength = ConfigurationLoader.Bind(Configuration, Edge.ServeOptions.SectionName, s => s.Get<Edge.ServeOptions>()).MaxPathLength,
            };
            options.Validate();
            return options;
        }
    }

    public CdnSettings CdnSettings => _cdnSettings ??= CdnFactory.Settings(Configuration);

    public CdnNotifier CreateCdnNotifier(bool wait)
    {
        var (cdn, options) = CdnFactory.Create(CdnSettings, Configuration, Host, Log, Time);
        return new CdnNotifier(cdn, wait, Log, options) { Edge = EdgePointer };
    }

    /// <summary>
    /// The CDN's copy of the live pointer (<c>Cdn:KeyValueStore</c>), or null when none is configured. Built once:
    /// <c>status</c> reads it beside the release operations that hold it.
    /// </summary>
    public EdgePointerSync? EdgePointer
    {
        get
        {
            if (!_edgePointer.Created) _edgePointer = (CdnFactory.EdgePointer(CdnSettings.KeyValueStore, new ReleaseStore(Store), Log, Time), true);
            return _edgePointer.Sync;
        }
    }

    public ReleaseOperations CreateReleaseOperations(bool wait, bool verifyBlobs = false) =>
        new(new ReleaseStore(Store), CreateCdnNotifier(wait), Time, DeployOptions.HistoryLimit, Log) { WaitingForLease = SayWaiting, VerifyBlobs = verifyBlobs };

    /// <summary>A person waiting on the store lease should know who has it and until when.</summary>
    public void SayWaiting(LeaseDocument held)
    {
        if (!Output.IsJson) Output.Line($"waiting for {held.Holder} to finish (it holds the store lease until {held.Expires:HH:mm:ss}Z)…");
    }
}
