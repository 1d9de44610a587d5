return await Jamdeploy.Cli.JamdeployCli.RunAsync(args);
