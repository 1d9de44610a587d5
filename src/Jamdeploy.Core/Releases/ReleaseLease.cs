using System.Diagnostics;
using Jamdeploy.Storage;
using Serilog;

namespace Jamdeploy.Releases;

/// <summary>Who holds the lease, until when, and a token that tells two holders apart.</summary>
public sealed record LeaseDocument(string Holder, string Token, DateTimeOffset Acquired, DateTimeOffset Expires)
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    /// <summary>Given back: free for the next holder. The document stays, so giving back is a compare-and-swap too.</summary>
    public bool Released { get; init; }

    /// <summary>The kernel boot and process namespace of the holder (Linux), where its process id means something.</summary>
    public string? Machine { get; init; }

    public int? ProcessId { get; init; }

    /// <summary>
    /// The token of the last cleanup that took the lease to delete, carried forward by every later holder. A
    /// deploy that finds it unchanged from its first look, with no cleanup holding the lease then, knows that
    /// nothing was deleted in between (<see cref="DeletionWatch"/>).
    /// </summary>
    public string? LastCleanup { get; init; }

    /// <summary>Held by a cleanup that may be deleting (or died deleting): its own token is the last cleanup's.</summary>
    public bool HeldByCleanup => !Released && LastCleanup == Token;
}

/// <summary>Who asks for the lease, how long they wait for it, and what they know of it already.</summary>
/// <param name="Waiting">Told once, when the lease is found held, so a person knows why nothing happens.</param>
public sealed record LeaseClaim(string Holder, TimeSpan Wait, Action<LeaseDocument>? Waiting = null)
{
    /// <summary>A cleanup: it deletes under the lease, so it writes its own token as <see cref="LeaseDocument.LastCleanup"/>.</summary>
    public bool ToDelete { get; init; }

    /// <summary>
    /// The lease as the claimant read it a while ago (null: there was none), when it read it at all: a lease
    /// given back and untouched since is taken with one conditional write.
    /// </summary>
    public LeaseSeen? Seen { get; init; }
}

/// <summary>The lease as read once: null <see cref="Read"/> when there was none.</summary>
public sealed record LeaseSeen(LeaseRead? Read);

/// <summary>
/// The one lease of a store, taken with a conditional write. Cleanup holds it from its last look at the
/// pointer and pins until it has deleted what it deletes; deploys hold it for their flip (DeletionWatch), pin
/// while it checks a release exists and pins it, and the first promote of a store with no pointer yet. Promote
/// and rollback over an existing pointer do not take it: cleanup's mark in the pointer orders them
/// (<see cref="CleanupMark"/>). Holders keep it for seconds. A holder that died
/// loses it when it expires, or at once to a process on the same machine that sees it is gone (a killed
/// cron cleanup does not block the next run for minutes).
/// </summary>
public sealed class ReleaseLease : IAsyncDisposable
{
    public static readonly TimeSpan Term = TimeSpan.FromMinutes(5);

    /// <summary>How far the clocks of two machines may disagree before an expired lease is taken over.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>How long a command waits for the lease: long enough for a cleanup to finish deleting, or for a dead holder's lease to expire.</summary>
    public static readonly TimeSpan Wait = Term + ClockSkew;

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(100), LongestPoll = TimeSpan.FromSeconds(2);

    private readonly ReleaseStore _documents;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private LeaseDocument _held;
    private string _etag;

    /// <summary>
    /// The tokens of the leases this process holds now: a lease left held by this very process that is not among
    /// them was given back with a write that failed, and its holder is gone as surely as a dead process.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> HeldHere = new(StringComparer.Ordinal);

    private ReleaseLease(ReleaseStore documents, TimeProvider clock, ILogger log, LeaseDocument held, string etag)
    {
        (_documents, _clock, _log, _held, _etag) = (documents, clock, log, held, etag);
        HeldHere[held.Token] = true;
    }

    /// <summary>
    /// Takes the lease, waiting while another holder has it (up to <paramref name="wait"/> as
    /// <paramref name="clock"/> measures it, polling on its timers, so a test's fake clock decides when a
    /// waiter looks again and gives up, as it decides when a lease expires). A
    /// lease no jamdeploy could have written is taken over; one of a newer format is refused (its rules are
    /// unknown here), as every reader refuses a document of a format it does not know (ReleaseStore).
    /// </summary>
    /// <param name="waiting">Told once, when the lease is found held, so a person knows why nothing happens.</param>
    public static Task<ReleaseLease> AcquireAsync(
        IObjectStore store, TimeProvider clock, string holder, TimeSpan wait, Action<LeaseDocument>? waiting, ILogger log, CancellationToken cancellationToken) =>
        AcquireAsync(store, clock, new LeaseClaim(holder, wait, waiting), log, cancellationToken);

    /// <summary>As above, for a claim that says more: a cleanup's, or a deploy's that read the lease before.</summary>
    public static async Task<ReleaseLease> AcquireAsync(IObjectStore store, TimeProvider clock, LeaseClaim claim, ILogger log, CancellationToken cancellationToken)
    {
        var documents = new ReleaseStore(store);
        var started = clock.GetTimestamp();
        var poll = FirstPoll;
        var told = false;
        var token = Guid.NewGuid().ToString("N");
        // The last cleanup's token goes on with the lease; taking over an unreadable lease, whose history is unknown,
        // writes a token no one has seen, which tells a deploy that anything may have happened.
        LeaseDocument Mine(LeaseDocument? replaced, bool known)
        {
            var now = clock.GetUtcNow();
            var last = claim.ToDelete ? token : known ? replaced?.LastCleanup : Guid.NewGuid().ToString("N");
            return new LeaseDocument(claim.Holder, token, now, now + Term) { Machine = ThisMachine.Value, ProcessId = Environment.ProcessId, LastCleanup = last };
        }

        if (claim.Seen is { Read: { Document: { Released: true } seen } read })
        {
            var mine = Mine(seen, known: true);
            var taken = await documents.WriteLeaseAsync(mine, read.ETag, cancellationToken);
            if (taken.Written) return new ReleaseLease(documents, clock, log, mine, TagOf(taken));
        }
        while (true)
        {
            // Only a store where no lease was ever written takes this first write; there is nothing to carry on.
            var mine = Mine(null, known: true);
            var taken = await documents.WriteLeaseAsync(mine, null, cancellationToken);
            if (taken.Written) return new ReleaseLease(documents, clock, log, mine, TagOf(taken));

            var current = await documents.ReadLeaseAsync(cancellationToken);
            if (current is null) continue;
            var theirs = current.Document;
            // Our own write landed and only its answer was lost (the retry then found the tag changed): ours.
            if (theirs is { Released: false } && theirs.Token == token) return new ReleaseLease(documents, clock, log, theirs, current.ETag);
            var now = clock.GetUtcNow();
            if (theirs is null || theirs.Released || theirs.Expires + ClockSkew < now || HolderIsGone(theirs))
            {
                // Free, expired, unreadable or its holder is dead: take it, unless someone else just did.
                mine = Mine(theirs, known: theirs is not null);
                var over = await documents.WriteLeaseAsync(mine, current.ETag, cancellationToken);
                if (over.Written)
                {
                    if (theirs is not { Released: true })
                        log.Warning("Took over the store lease from {Holder}, which expired at {Expires} or whose process is gone", theirs?.Holder ?? "an unreadable lease", theirs?.Expires);
                    return new ReleaseLease(documents, clock, log, mine, TagOf(over));
                }
                continue;
            }

            if (clock.GetElapsedTime(started) >= claim.Wait)
                throw new JamdeployException(ExitCodes.Failed,
                    $"{theirs.Holder} holds {documents.Where(StoreLayout.LeaseKey)} until {theirs.Expires:u}; nothing was changed, run this again once it is done");
            if (!told) claim.Waiting?.Invoke(theirs);
            told = true;
            log.Debug("Store lease held by {Holder} until {Expires}; waiting", theirs.Holder, theirs.Expires);
            await Task.Delay(poll, clock, cancellationToken);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, LongestPoll.Ticks));
        }
    }

    /// <summary>This holder's token: a cleanup names its mark in the live pointer by it (<see cref="CleanupMark"/>).</summary>
    public string Token => _held.Token;

    /// <summary>The token of the last cleanup that held the lease before this holder (its own, for a cleanup).</summary>
    public string? LastCleanup => _held.LastCleanup;

    /// <summary>
    /// Extends the lease when less than half its term is left; fails when it was lost (it expired and was
    /// taken over), so the holder stops before doing what only the holder may do.
    /// </summary>
    public async Task KeepAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (_held.Expires - now > Term / 2) return;
        var renewed = _held with { Expires = now + Term };
        var written = await _documents.WriteLeaseAsync(renewed, _etag, cancellationToken);
        if (!written.Written)
            throw new StoreException($"lost {_documents.Where(StoreLayout.LeaseKey)} (it expired and was taken over); stopped before changing anything more, run this again");
        (_held, _etag) = (renewed, TagOf(written));
    }

    /// <summary>Gives the lease back if it is still ours (a compare-and-swap: one that expired and was taken over is theirs).</summary>
    public async ValueTask DisposeAsync()
    {
        HeldHere.TryRemove(_held.Token, out _);
        try
        {
            var released = _held with { Released = true, Expires = _clock.GetUtcNow() };
            await _documents.WriteLeaseAsync(released, _etag, CancellationToken.None);
        }
        catch (JamdeployException e)
        {
            // It expires on its own; the next holder waits at most its term.
            _log.Warning("Could not give back the store lease ({Error}); it expires at {Expires}", e.Message, _held.Expires);
        }
    }

    /// <summary>Boot id and process namespace: two processes with the same value see the same process ids.</summary>
    private static readonly Lazy<string?> ThisMachine = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var namespaceLink = new FileInfo("/proc/self/ns/pid").LinkTarget;
            return namespaceLink is null ? null : $"{boot}/{namespaceLink}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    });

    private static bool HolderIsGone(LeaseDocument lease)
    {
        if (lease.Machine is null || lease.Machine != ThisMachine.Value || lease.ProcessId is not { } pid) return false;
        if (pid == Environment.ProcessId) return !HeldHere.ContainsKey(lease.Token);
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    // Every store answers a successful write with the object's tag (the store contract tests it).
    private static string TagOf(WriteResult written) =>
        written.ETag ?? throw new InvalidOperationException("the store wrote the lease without returning its ETag");
}
