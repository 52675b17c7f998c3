using Basin.Cli;

Interruption.Install();
return Cli.Run(args, Console.Out, Console.Error);
