using Microsoft.Extensions.Configuration;
using System.CommandLine;
using Jamdeploy.Cli.Ci;
using Jamdeploy.Cli.Hosting;
using Jamdeploy.Cli.Output;
using Jamdeploy.Cli.Results;
using Jamdeploy.Deploying;

namespace Jamdeploy.Cli.Commands;

/// <summary><c>jamdeploy deploy &lt;dir&gt;</c>: the folder becomes the live release, all at one instant.</summary>
public sealed class DeployCommand : CommandBase
{
    private static readonly Argument<string> FolderArgument = new("dir") { Description = "The folder your site builder wrote (for example ./public)" };
    private static readonly Option<string?> MessageOption = new("--message", "-m") { HelpName = "text", Description = "A note kept with the release" };
    private static readonly Option<string?> CommitOption = new("--commit") { HelpName = "sha", Description = "The source commit the release was built from" };
    private static readonly Option<bool> NoPromoteOption = new("--no-promote") { Description = "Store the release without making it live" };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print the added, changed and removed files, the invalidation and its cost; write nothing" };
    private static readonly Option<bool> ListUnchangedOption = new("--list-unchanged") { Description = "With --dry-run, list the unchanged files too" };
    private static readonly Option<bool> ForceOption = new("--force") { Description = "Flip even if the live release changed while this deploy ran" };
    private static readonly Option<bool> WaitOption = new("--wait") { Description = "Wait until the CDN reports the invalidation complete" };
    private static readonly Option<bool> NoPrecompressOption = new("--no-precompress") { Description = "Store no brotli and gzip forms of the files (as Deploy:Precompress:Enabled=false)" };
    private static readonly Option<bool> VerifyOption = new("--verify") { Description = "Check every blob the release needs is stored and send any missing again (repairs the live release when the folder is unchanged)" };

    public DeployCommand() : base("deploy", "Upload what is new in a folder and make it the live release in one step")
    {
        Arguments.Add(FolderArgument);
        Options.Add(MessageOption);
        Options.Add(CommitOption);
        Options.Add(NoPromoteOption);
        Options.Add(DryRunOption);
        Options.Add(ListUnchangedOption);
        Options.Add(ForceOption);
        Options.Add(WaitOption);
        Options.Add(VerifyOption);
        Options.Add(NoPrecompressOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var request = new DeployRequest(parse.GetValue(FolderArgument)!)
        {
            WorkingDirectory = context.WorkingDirectory,
            Message = parse.GetValue(MessageOption),
            Commit = parse.GetValue(CommitOption),
            Promote = !parse.GetValue(NoPromoteOption),
            DryRun = parse.GetValue(DryRunOption),
            Force = parse.GetValue(ForceOption),
            Verify = parse.GetValue(VerifyOption),
        };
        // CI: --commit/--message default from the CI's variables; the result goes to GitHub's outputs (src/Jamdeploy.Cli/Ci).
        var environment = context.Host.Environment;
        request = DeployCiHandoff.WithCiDefaults(request, CiEnvironment.Detect(environment));
        var siteUrl = context.Configuration[DeployCiHandoff.SiteUrlKey];
        // Read before anything is written: a bad Site or Serve setting is a usage error that changes nothing.
        var addresses = SiteAddresses.From(context.Configuration);
        var site = ConfigurationLoader.Bind(context.Configuration, nameof(JamdeploySettings.Site), s => s.Get<SiteSettings>());
        request = request with { HeaderRules = site.Headers, RedirectRules = site.Redirects };

        var options = context.DeployOptions;
        if (parse.GetValue(NoPrecompressOption)) options = options with { Precompress = options.Precompress with { Enabled = false } };
        var notifier = context.CreateCdnNotifier(parse.GetValue(WaitOption) || options.WaitForInvalidation);
        var deployer = new Deployer(context.Store, notifier, options, context.Time, context.Log) { WaitingForLease = context.SayWaiting };
        DeployResult result;
        try
        {
            result = await DeployProgressDisplay.RunAsync(context.Output, progress => deployer.DeployAsync(request, progress, cancellationToken));
        }
        catch (JamdeployException failure)
        {
            await DeployCiHandoff.WriteAsync(FailureResult.From(failure).ToCiReport(request, context.StoreLocation, siteUrl), environment, context.Log, CancellationToken.None);
            throw;
        }

        var view = DeployResultView.From(result, context.Store.Location, notifier.CdnName, notifier.Options.Limits, parse.GetValue(ListUnchangedOption)).WithAddresses(addresses);
        await DeployCiHandoff.WriteAsync(view.ToCiReport(request, siteUrl), environment, context.Log, CancellationToken.None);
        return view;
    }
}
