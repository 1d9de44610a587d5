return await Jamdeploy.Cli.JamdeployCli.RunAsync(args, Jamdeploy.Cli.Hosting.CliHost.FromProcess());
