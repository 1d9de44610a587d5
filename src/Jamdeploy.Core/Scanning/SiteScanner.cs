using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Text;
using Jamdeploy.Model;

namespace Jamdeploy.Scanning;

/// <summary>
/// Stage 1, scan: the regular files under the deploy folder as URL paths (<c>/</c>-separated, NFC,
/// case kept). Links are followed only while they stay inside the folder, and what they lead to is skipped as
/// it would be under its own name (a link to <c>.git</c> deploys no repository); a name no URL can carry, or a
/// path no edge would serve (<see cref="SitePaths"/>), is refused with its path, never silently skipped.
/// Folders of one depth are read in parallel: on a 10,000-file site the scan is otherwise a fifth of a no-op
/// redeploy (scripts/bench.sh).
/// </summary>
public static class SiteScanner
{
    private static readonly EnumerationOptions OneFolder = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    /// <param name="folder">The folder as the user gave it, for messages.</param>
    /// <param name="root">Its absolute path, when it is not relative to the current directory (<see cref="Deploying.DeployRequest.FullFolder"/>).</param>
    /// <param name="maxPathLength">The longest path the edges serve (Serve:MaxPathLength).</param>
    /// <param name="skippedLink">Told of each link skipped because what it leads to is never deployed (the link's path, the target's).</param>
    public static IReadOnlyList<ScannedFile> Scan(string folder, IgnoreRules ignore, CancellationToken cancellationToken, int? parallelism = null, string? root = null,
        int maxPathLength = SitePaths.DefaultMaxLength, Action<string, string>? skippedLink = null)
    {
        root ??= Path.GetFullPath(folder);
        if (File.Exists(root)) throw new UsageException($"'{folder}' is a file; give the folder your site builder wrote (for example ./public)");
        if (!Directory.Exists(root)) throw new UsageException($"deploy folder '{folder}' does not exist; build the site first or pass the folder it was written to");
        var realRoot = RealPath(new DirectoryInfo(root));

        var files = new ConcurrentBag<ScannedFile>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount, CancellationToken = cancellationToken };
        IReadOnlyList<Folder> level = [new Folder(root, "", realRoot, "", null)];
        var walk = new Walk(realRoot, ignore, files, skippedLink);
        while (level.Count > 0)
        {
            var next = new ConcurrentBag<Folder>();
            try
            {
                Parallel.ForEach(level, options, folder => ScanFolder(folder, walk, next));
            }
            catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is JamdeployException) is { } first)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            level = [.. next];
        }

        if (files.IsEmpty) throw new UsageException($"deploy folder '{folder}' has no files to deploy (ignored and hidden-state files do not count)");
        var sorted = files.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.SitePath, b.SitePath));
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i > 0 && sorted[i].SitePath == sorted[i - 1].SitePath)
                throw new UsageException($"'{sorted[i].SitePath.TrimStart('/')}' appears twice once names are Unicode-normalized (NFC); rename one of them");
            if (SitePaths.Refusal(sorted[i].SitePath, maxPathLength) is { } refusal)
                throw new UsageException($"'{sorted[i].SitePath.TrimStart('/')}' {refusal}; shorten or rename it, or add it to Deploy:Ignore");
        }
        return sorted;
    }

    /// <summary>What every folder of one scan shares.</summary>
    private sealed record Walk(string RealRoot, IgnoreRules Ignore, ConcurrentBag<ScannedFile> Files, Action<string, string>? SkippedLink);

    /// <summary>
    /// A folder to read: where it is, its site path, where it really is (also as a path under the real root, NFC),
    /// and the folder it was reached from.
    /// </summary>
    private sealed record Folder(string FullPath, string Relative, string RealPath, string RealRelative, Folder? Parent)
    {
        /// <summary>Reached through a link: its entries are somewhere else than their site paths say.</summary>
        public bool ViaLink => Relative != RealRelative;

        /// <summary>True when this real folder is already being walked above: a link back up the tree.</summary>
        public bool IsInsideItself(string realPath)
        {
            for (var folder = this; folder is not null; folder = folder.Parent)
                if (folder.RealPath == realPath) return true;
            return false;
        }
    }

    /// <summary>A folder entry; <c>Portable</c> is .NET's view of it, read only where statx is not there to ask.</summary>
    private readonly record struct Entry(string Name, string FullPath, (FileAttributes, long)? Portable);

    private static void ScanFolder(Folder folder, Walk walk, ConcurrentBag<Folder> next)
    {
        List<Entry> entries;
        try
        {
            entries = [.. new FileSystemEnumerable<Entry>(folder.FullPath,
                (ref FileSystemEntry e) => new Entry(e.FileName.ToString(), e.ToFullPath(),
                    EntryKinds.Native ? null : (e.Attributes, e.IsDirectory ? 0 : e.Length)), OneFolder)];
        }
        catch (UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read folder '{Display(folder.Relative)}': permission denied; fix its permissions or add it to Deploy:Ignore");
        }

        var viaLink = folder.ViaLink;
        foreach (var entry in entries)
        {
            var name = CheckName(entry.Name, folder.Relative);
            // Not content whatever it is: a .git folder, or the .git file of a submodule or worktree, or a link named so.
            if (IgnoreRules.AlwaysSkippedFolders.Contains(name)) continue;
            var path = Join(folder.Relative, name);
            if (walk.Ignore.IsIgnored(path)) continue;
            // Reached through a link, the entry is also matched where it really is: ignoring a folder ignores it under any name.
            var realRelative = viaLink ? Join(folder.RealRelative, name) : path;
            if (viaLink && walk.Ignore.IsIgnored(realRelative)) continue;
            var (kind, length) = EntryKinds.Of(entry.FullPath, path, entry.Portable);

            switch (kind)
            {
                case EntryKind.File:
                    walk.Files.Add(new ScannedFile("/" + path, entry.FullPath, length));
                    break;
                case EntryKind.Directory:
                    next.Add(new Folder(entry.FullPath, path, folder.RealPath + Path.DirectorySeparatorChar + entry.Name, realRelative, folder));
                    break;
                case EntryKind.Link:
                    ScanLink(entry, path, folder, walk, next);
                    break;
                default:
                    throw new UsageException($"'{path}' is not a regular file (a pipe, socket or device), which cannot be deployed; remove it or add it to Deploy:Ignore");
            }
        }
    }

    private static void ScanLink(Entry entry, string path, Folder folder, Walk walk, ConcurrentBag<Folder> next)
    {
        FileSystemInfo? resolved;
        try
        {
            FileSystemInfo link = Directory.Exists(entry.FullPath) ? new DirectoryInfo(entry.FullPath) : new FileInfo(entry.FullPath);
            resolved = link.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            throw new UsageException(IsLinkLoop(entry.FullPath)
                ? $"'{path}' is a loop of links that never reaches a file or folder; remove it or add it to Deploy:Ignore"
                : $"'{path}' is a link that cannot be followed ({e.Message}); fix it or add it to Deploy:Ignore", e);
        }
        if (resolved is null || !resolved.Exists)
            throw new UsageException($"'{path}' is a broken link; remove it or add it to Deploy:Ignore");
        var real = RealPath(resolved);
        if (!IsInside(real, walk.RealRoot))
            throw new UsageException($"'{path}' links outside the deploy folder (to {resolved.FullName}); copy the file in or add it to Deploy:Ignore");

        // What the link leads to is skipped as it would be under its own name: a link never publishes a .git
        // folder, jamdeploy's state, or what Deploy:Ignore keeps out.
        var realRelative = Relative(walk.RealRoot, real);
        if (realRelative.Length > 0 && (realRelative.Split('/').Any(IgnoreRules.AlwaysSkippedFolders.Contains) || walk.Ignore.IsIgnored(realRelative)))
        {
            walk.SkippedLink?.Invoke(path, realRelative);
            return;
        }

        if (resolved is DirectoryInfo)
        {
            if (!folder.IsInsideItself(real)) next.Add(new Folder(entry.FullPath, path, real, realRelative, folder));
        }
        else if (EntryKinds.Of(real, path, null) is (EntryKind.File, var length))
        {
            walk.Files.Add(new ScannedFile("/" + path, entry.FullPath, length));
        }
        else
        {
            throw new UsageException($"'{path}' links to something that is not a regular file (a pipe, socket or device), which cannot be deployed; remove it or add it to Deploy:Ignore");
        }
    }

    private static string Join(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;

    /// <summary>A real path under the real root as a site path would spell it: <c>/</c>-separated, NFC.</summary>
    private static string Relative(string realRoot, string real)
    {
        if (real == realRoot) return "";
        var relative = Path.GetRelativePath(realRoot, real).Replace(Path.DirectorySeparatorChar, '/');
        return relative.All(char.IsAscii) ? relative : relative.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Whether following the link comes back to a link it already passed (a→b→a, or a link to itself).</summary>
    private static bool IsLinkLoop(string linkPath)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            for (var current = linkPath; new FileInfo(current).LinkTarget is { } target;)
            {
                if (!seen.Add(current)) return true;
                current = Path.GetFullPath(target, Path.GetDirectoryName(current)!);
            }
        }
        catch (IOException)
        {
            return true; // a link inside the chain cannot be read either: the loop is through a folder on the way
        }
        return false;
    }

    private static string CheckName(string name, string relative)
    {
        var ascii = true;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
                throw new UsageException($"'{Where(name, relative)}' has a control character in its name, which no URL can carry; rename it");
            if (c == '\\')
                throw new UsageException($"'{Where(name, relative)}' has a backslash in its name, which URLs treat as a folder separator; rename it");
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])) i++;
            else if (char.IsSurrogate(c))
                throw new UsageException($"'{Where(name, relative)}' has a name that is not valid Unicode, which no URL can carry; rename it");
            ascii &= c < 0x80;
        }
        return ascii ? name : name.Normalize(NormalizationForm.FormC);
    }

    private static string Where(string name, string relative) => Display(relative.Length == 0 ? name : relative + "/" + name);

    private static string Display(string path) =>
        new(path.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c).ToArray());

    /// <summary>The path with every link in it resolved (realpath(3)), so containment checks cannot be fooled.</summary>
    internal static string RealPath(FileSystemInfo info)
    {
        var full = Path.GetFullPath(info.FullName);
        var parts = full.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = Path.GetPathRoot(full)!;
        for (var hops = 0; hops < 64; hops++)
        {
            var rebuilt = current;
            var changed = false;
            foreach (var part in parts)
            {
                rebuilt = Path.Combine(rebuilt, part);
                var entry = new FileInfo(rebuilt);
                if (entry.LinkTarget is { } link)
                {
                    var target = Path.GetFullPath(link, Path.GetDirectoryName(rebuilt)!);
                    var rest = full[(rebuilt.Length)..].TrimStart(Path.DirectorySeparatorChar);
                    full = rest.Length == 0 ? target : Path.Combine(target, rest);
                    parts = full.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
                    changed = true;
                    break;
                }
            }
            if (!changed) return full;
        }
        throw new UsageException($"'{info.FullName}' is inside a loop of links; remove the loop");
    }

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
