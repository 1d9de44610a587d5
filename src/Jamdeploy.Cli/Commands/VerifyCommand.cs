using System.CommandLine;
using Jamdeploy.Cli.Results;
using Jamdeploy.Verification;

namespace Jamdeploy.Cli.Commands;

/// <summary>
/// <c>jamdeploy verify [--release &lt;id&gt; | --all] [--deep]</c>: can the release be served whole? Exit 1
/// with every missing or corrupt blob listed when it cannot.
/// </summary>
public sealed class VerifyCommand : CommandBase
{
    private static readonly Option<string?> ReleaseOption = new("--release") { HelpName = "id", Description = "The release to check: an id, a unique prefix of one, `live` or `previous` (default: the live one)" };
    private static readonly Option<bool> AllOption = new("--all") { Description = "Check every stored release" };
    private static readonly Option<bool> DeepOption = new("--deep") { Description = "Read every blob and check it hashes to its name (slower: reads all bytes)" };

    public VerifyCommand() : base("verify", "Check that every blob of a release is stored (and with --deep, intact)")
    {
        Options.Add(ReleaseOption);
        Options.Add(AllOption);
        Options.Add(DeepOption);
    }

    protected override async Task<ICommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var release = parse.GetValue(ReleaseOption);
        var all = parse.GetValue(AllOption);
        if (release is not null && all) throw new UsageException("give --release <id> or --all, not both");
        var target = all ? VerifyTarget.All
            : release is not null ? VerifyTarget.Release(await ReleaseArguments.ResolveAsync(context, release, cancellationToken))
            : VerifyTarget.Live;
        var deep = parse.GetValue(DeepOption);

        var report = await new ReleaseVerifier(context.Store, context.Log).VerifyAsync(target, deep, cancellationToken);
        return VerifyResultView.From(report, context.StoreLocation);
    }
}
