namespace Jamdeploy.TestSupport;

/// <summary>Object mother for test sites: small, realistic folders a static site builder would leave.</summary>
public static class Some
{
    /// <summary>A site whose every page, stylesheet and script carries <paramref name="stamp"/>.</summary>
    public static string Site(TempDirectory workspace, string folder = "public", string stamp = "v1")
    {
        workspace.Write($"{folder}/index.html", $"<!doctype html><link rel=stylesheet href=/css/site.css><script src=/js/app.js></script><h1>{stamp}</h1>");
        workspace.Write($"{folder}/about/index.html", $"<h1>about {stamp}</h1>");
        workspace.Write($"{folder}/404.html", "<h1>not found</h1>");
        workspace.Write($"{folder}/css/site.css", $"body{{--stamp:'{stamp}'}}");
        workspace.Write($"{folder}/js/app.js", $"window.stamp='{stamp}';");
        workspace.Write($"{folder}/img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
        return workspace.Combine(folder);
    }

    /// <summary>A site of <paramref name="files"/> files of <paramref name="size"/> bytes of distinct content.</summary>
    public static string BulkSite(TempDirectory workspace, int files, int size, string folder = "bulk", int seed = 1)
    {
        var random = new Random(seed);
        var buffer = new byte[size];
        for (var i = 0; i < files; i++)
        {
            random.NextBytes(buffer);
            var path = workspace.Combine(folder, $"d{i % 20}", $"f{i}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, buffer);
        }
        return workspace.Combine(folder);
    }
}
