// A command is a short-lived process: a 1 % deploy of the Python docs allocates 12 MB, and met one full blocking
// collection on the way, ~11 ms with both manifests live (issue #16). No collection for its first 32 MiB: most commands
// end before any, and serve or a big deploy collects as usual once past it. False (memory not committed) changes nothing.
try
{
    GC.TryStartNoGCRegion(32 << 20);
}
catch (ArgumentOutOfRangeException)
{
    // A runtime whose youngest generation holds less (32-bit): collect as usual.
}
return await Jamdeploy.Cli.JamdeployCli.RunAsync(args, Jamdeploy.Cli.Hosting.CliHost.FromProcess());
