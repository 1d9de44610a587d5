using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Text;

namespace Jamdeploy.Scanning;

/// <summary>
/// Stage 1, scan: the regular files under the deploy folder as URL paths (<c>/</c>-separated, NFC,
/// case kept). Links are followed only while they stay inside the folder; a name no URL can carry is
/// refused with its path, never silently skipped. Folders of one depth are read in parallel: on a
/// 10,000-file site the scan is otherwise a fifth of a no-op redeploy (scripts/bench.sh).
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
    public static IReadOnlyList<ScannedFile> Scan(string folder, IgnoreRules ignore, CancellationToken cancellationToken, int? parallelism = null, string? root = null)
    {
        root ??= Path.GetFullPath(folder);
        if (File.Exists(root)) throw new UsageException($"'{folder}' is a file; give the folder your site builder wrote (for example ./public)");
        if (!Directory.Exists(root)) throw new UsageException($"deploy folder '{folder}' does not exist; build the site first or pass the folder it was written to");
        var realRoot = RealPath(new DirectoryInfo(root));

        var files = new ConcurrentBag<ScannedFile>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount, CancellationToken = cancellationToken };
        IReadOnlyList<Folder> level = [new Folder(root, "", realRoot, null)];
        while (level.Count > 0)
        {
            var next = new ConcurrentBag<Folder>();
            try
            {
                Parallel.ForEach(level, options, folder => ScanFolder(folder, realRoot, ignore, files, next));
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
        for (var i = 1; i < sorted.Length; i++)
            if (sorted[i].SitePath == sorted[i - 1].SitePath)
                throw new UsageException($"'{sorted[i].SitePath.TrimStart('/')}' appears twice once names are Unicode-normalized (NFC); rename one of them");
        return sorted;
    }

    /// <summary>A folder to read: where it is, its site path, where it really is, and the folder it was reached from.</summary>
    private sealed record Folder(string FullPath, string Relative, string RealPath, Folder? Parent)
    {
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

    private static void ScanFolder(Folder folder, string realRoot, IgnoreRules ignore, ConcurrentBag<ScannedFile> files, ConcurrentBag<Folder> next)
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

        foreach (var entry in entries)
        {
            var name = CheckName(entry.Name, folder.Relative);
            var path = folder.Relative.Length == 0 ? name : folder.Relative + "/" + name;
            var (kind, length) = EntryKinds.Of(entry.FullPath, path, entry.Portable);
            if (kind is EntryKind.Directory or EntryKind.Link && IgnoreRules.AlwaysSkippedFolders.Contains(name)) continue;
            if (ignore.IsIgnored(path)) continue;

            switch (kind)
            {
                case EntryKind.File:
                    files.Add(new ScannedFile("/" + path, entry.FullPath, length));
                    break;
                case EntryKind.Directory:
                    next.Add(new Folder(entry.FullPath, path, folder.RealPath + Path.DirectorySeparatorChar + entry.Name, folder));
                    break;
                case EntryKind.Link:
                    ScanLink(entry, path, folder, realRoot, files, next);
                    break;
                default:
                    throw new UsageException($"'{path}' is not a regular file (a pipe, socket or device), which cannot be deployed; remove it or add it to Deploy:Ignore");
            }
        }
    }

    private static void ScanLink(Entry entry, string path, Folder folder, string realRoot, ConcurrentBag<ScannedFile> files, ConcurrentBag<Folder> next)
    {
        FileSystemInfo link = Directory.Exists(entry.FullPath) ? new DirectoryInfo(entry.FullPath) : new FileInfo(entry.FullPath);
        var resolved = link.ResolveLinkTarget(returnFinalTarget: true);
        if (resolved is null || !resolved.Exists)
            throw new UsageException($"'{path}' is a broken link; remove it or add it to Deploy:Ignore");
        var real = RealPath(resolved);
        if (!IsInside(real, realRoot))
            throw new UsageException($"'{path}' links outside the deploy folder (to {resolved.FullName}); copy the file in or add it to Deploy:Ignore");

        if (resolved is DirectoryInfo)
        {
            if (!folder.IsInsideItself(real)) next.Add(new Folder(entry.FullPath, path, real, folder));
        }
        else if (EntryKinds.Of(real, path, null) is (EntryKind.File, var length))
        {
            files.Add(new ScannedFile("/" + path, entry.FullPath, length));
        }
        else
        {
            throw new UsageException($"'{path}' links to something that is not a regular file (a pipe, socket or device), which cannot be deployed; remove it or add it to Deploy:Ignore");
        }
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
