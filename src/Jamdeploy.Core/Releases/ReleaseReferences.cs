using Jamdeploy.Model;

namespace Jamdeploy.Releases;

/// <summary>
/// What a person may type where a command takes a release: the full id, a prefix of exactly one stored
/// release (<c>20261124-1015</c>), <c>live</c> (the release live now) or <c>previous</c> (the one live just
/// before it, from the pointer history: where <c>rollback</c> goes). The one place that turns such a word into
/// a <see cref="ReleaseId"/>; every mistake is a <see cref="UsageException"/> (exit 2) that says what to type.
/// </summary>
public sealed class ReleaseReferences(ReleaseStore releases)
{
    public const string Live = "live";
    public const string Previous = "previous";

    /// <summary>How many candidates an ambiguous prefix lists before it says how many more there are.</summary>
    private const int CandidatesShown = 10;

    /// <param name="text">What was typed.</param>
    /// <param name="includePins">Also match pinned ids whose manifest is gone (unpin must be able to remove such a pin).</param>
    public async Task<ReleaseId> ResolveAsync(string text, bool includePins, CancellationToken cancellationToken)
    {
        // Ids are lower case; a prefix copied from a title or typed with caps lock means the same release.
        var typed = text.Trim().ToLowerInvariant();
        // The words win over a release of that name: jamdeploy never makes an id without digits.
        if (typed == Live) return await LiveAsync(cancellationToken);
        if (typed == Previous) return await PreviousAsync(cancellationToken);
        if (!ReleaseId.TryParse(typed, out var exact))
            throw new UsageException($"'{text}' is not a release id, a unique prefix of one, `{Live}` or `{Previous}` (`jamdeploy releases` lists them)");

        // The full id, the common case in scripts: one HEAD, no listing.
        if (await releases.Objects.HeadAsync(Storage.StoreLayout.Release(exact), cancellationToken) is not null) return exact;

        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var id in releases.ListReleaseIdsAsync(cancellationToken))
            if (id.Value.StartsWith(typed, StringComparison.Ordinal)) candidates.Add(id.Value);
        if (includePins)
            foreach (var id in await releases.ReadPinsAsync(cancellationToken))
                if (id.Value.StartsWith(typed, StringComparison.Ordinal)) candidates.Add(id.Value);

        if (candidates.Contains(typed)) return exact;
        return candidates.Count switch
        {
            0 => throw releases.NoSuchRelease(exact),
            1 => ReleaseId.Parse(candidates.Min!),
            _ => throw Ambiguous(typed, candidates),
        };
    }

    private async Task<ReleaseId> LiveAsync(CancellationToken cancellationToken) =>
        (await releases.ReadLiveAsync(cancellationToken)).Live
        ?? throw new UsageException($"no release is live in {releases.Objects.Location} yet, so `{Live}` names none");

    private async Task<ReleaseId> PreviousAsync(CancellationToken cancellationToken)
    {
        var pointer = (await releases.ReadLiveAsync(cancellationToken)).Pointer
            ?? throw new UsageException($"no release has been live in {releases.Objects.Location} yet, so `{Previous}` names none");
        return pointer.Previous()
            ?? throw new UsageException($"{pointer.Live} is the only release that has been live in {releases.Objects.Location}, so `{Previous}` names none");
    }

    private UsageException Ambiguous(string prefix, IReadOnlyCollection<string> candidates)
    {
        var shown = string.Join(", ", candidates.Take(CandidatesShown));
        var more = candidates.Count > CandidatesShown ? $" and {candidates.Count - CandidatesShown} more" : "";
        return new UsageException($"'{prefix}' matches {candidates.Count} releases in {releases.Objects.Location}: {shown}{more}; type more of the id");
    }
}
