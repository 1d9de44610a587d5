using System.Text;

namespace Jamdeploy.Scanning;

/// <summary>
/// Stage 1, scan: the regular files under the deploy folder as URL paths (<c>/</c>-separated, NFC,
/// case kept). Links are followed only while they stay inside the folder; a name no URL can carry is
/// refused with its path, never silently skipped.
/// </summary>
public static class SiteScanner
{
    public static IReadOnlyList<ScannedFile> Scan(string folder, IgnoreRules ignore, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(folder);
        if (File.Exists(root)) throw new UsageException($"'{folder}' is a file; give the folder your site builder wrote (for example ./public)");
        if (!Directory.Exists(root)) throw new UsageException($"deploy folder '{folder}' does not exist; build the site first or pass the folder it was written to");
        var realRoot = RealPath(new DirectoryInfo(root));

        var files = new List<ScannedFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal) { realRoot };
        Walk(new DirectoryInfo(root), "", realRoot, ignore, files, seen, visited, cancellationToken);

        if (files.Count == 0) throw new UsageException($"deploy folder '{folder}' has no files to deploy (ignored and hidden-state files do not count)");
        files.Sort((a, b) => string.CompareOrdinal(a.SitePath, b.SitePath));
        return files;
    }

    private static void Walk(DirectoryInfo directory, string relative, string realRoot, IgnoreRules ignore,
        List<ScannedFile> files, HashSet<string> seen, HashSet<string> visited, CancellationToken cancellationToken)
    {
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        }
        catch (UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read folder '{Display(relative)}': permission denied; fix its permissions or add it to Deploy:Ignore");
        }

        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = CheckName(entry.Name, relative);
            var path = relative.Length == 0 ? name : relative + "/" + name;
            if (IgnoreRules.AlwaysSkippedFolders.Contains(name) && IsDirectory(entry)) continue;
            if (ignore.IsIgnored(path)) continue;

            var target = entry;
            // The enumeration already knows which entries are links; asking readlink(2) of every entry would double the syscalls.
            if ((entry.Attributes & FileAttributes.ReparsePoint) != 0 && entry.LinkTarget is not null)
            {
                var resolved = entry.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is null || !resolved.Exists)
                    throw new UsageException($"'{path}' is a broken link; remove it or add it to Deploy:Ignore");
                var real = RealPath(resolved);
                if (!IsInside(real, realRoot))
                    throw new UsageException($"'{path}' links outside the deploy folder (to {resolved.FullName}); copy the file in or add it to Deploy:Ignore");
                target = resolved;
            }

            if (target is DirectoryInfo dir)
            {
                // A link back up the tree would otherwise loop forever.
                if (!visited.Add(RealPath(dir))) continue;
                Walk(dir, path, realRoot, ignore, files, seen, visited, cancellationToken);
                visited.Remove(RealPath(dir));
            }
            else if (target is FileInfo file)
            {
                var sitePath = "/" + path;
                if (!seen.Add(sitePath))
                    throw new UsageException($"'{path}' appears twice once names are Unicode-normalized (NFC); rename one of them");
                files.Add(new ScannedFile(sitePath, entry.FullName, file.Length));
            }
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

    private static bool IsDirectory(FileSystemInfo entry) => (entry.Attributes & FileAttributes.Directory) != 0;

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
