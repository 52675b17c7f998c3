using Basin.Cli.Commands;

namespace Basin.Cli;

/// <summary>The <c>basin</c> command: parses, runs, and turns user errors into one line and exit code 2.</summary>
internal static partial class Cli
{
    public const int Ok = 0, Failure = 1, BadInput = 2;

    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Basin: loss landscapes of neural networks (surfaces, curvature, trajectories, connectivity).");
        foreach (var command in new[]
        {
            DemoCommand.Create(stdout, stderr), TrainCommand.Create(stdout, stderr), EvalCommand.Create(stdout), SurfaceCommand.Create(stdout, stderr),
            InterpolateCommand.Create(stdout, stderr), HessianCommand.Create(stdout, stderr), TrajectoryCommand.Create(stdout, stderr),
            ConnectCommand.Create(stdout, stderr), PerturbCommand.Create(stdout, stderr), ExperimentCommand.Create(stdout, stderr), ReportCommand.Create(stdout),
            SharpnessCommand.Create(stdout, stderr), ExportCommand.Create(stdout), BenchCommand.Create(stdout), WorkerCommand.Create(stdout),
        })
            root.Subcommands.Add(command);
        OptionRules.Apply(root);
        return root;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Cannot parse argument '(.*)' for option '(--[\w-]+)' as expected type 'System\.(?:Nullable`1\[)?(\w+).*$")]
    private static partial System.Text.RegularExpressions.Regex ParseFailure();

    /// <summary>The library's parameter names, {lr}, as this command line's flags, --lr.</summary>
    static string Flags(string text) => BasinException.Render(text, name => "--" + name);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr);
        var parsed = root.Parse(args);
        // An unknown option where a command takes positional arguments (interpolate A B) is taken as their value.
        var stray = parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>().SelectMany(a => a.Tokens)
            .FirstOrDefault(t => t.Value.StartsWith("--", StringComparison.Ordinal));
        if (parsed.Errors.Count > 0 || stray is not null)
        {
            var path = new List<string>();
            for (var at = parsed.CommandResult; at is not null && at.Command != root; at = at.Parent as System.CommandLine.Parsing.CommandResult) path.Insert(0, at.Command.Name);
            string command = string.Join(" ", ["basin", .. path]);
            if (stray is not null)
            {
                stderr.WriteLine($"error: {command}: unknown option '{stray.Value}'");
                stderr.WriteLine($"hint: run '{command} --help' for the options and arguments");
                return BadInput;
            }
            // A stray token explains more than the "required command" complaint it causes.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            // System.CommandLine names the .NET type an option takes; say it in words, option first as OptionRules' messages do.
            string message = ParseFailure().Replace(error.Message, m => $"{m.Groups[2].Value}: '{m.Groups[1].Value}' is not {(m.Groups[3].Value == "Double" ? "a number" : "a whole number")}");
            stderr.WriteLine(message.StartsWith("--", StringComparison.Ordinal) ? $"error: {message}" : $"error: {command}: {message}");
            stderr.WriteLine($"hint: run '{command} --help' for the options");
            return BadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (OperationCanceledException)
        {
            return Interruption.ExitCode;
        }
        catch (Basin.Training.TrainingDivergedException e)
        {
            stderr.WriteLine($"error: training diverged: {e.Message}");
            stderr.WriteLine("hint: lower --lr, or add --warmup; evaluate the last good checkpoint with --checkpoint");
            return Failure;
        }
        catch (BasinException e)
        {
            stderr.WriteLine($"error: {Flags(e.What)}: {Flags(e.Why)}");
            if (e.Hint is not null) stderr.WriteLine($"hint: {Flags(e.Hint)}");
            return BadInput;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("BASIN_DEBUG") is null)
        {
            stderr.WriteLine($"error: internal: {e.GetType().Name}: {e.Message}");
            stderr.WriteLine("hint: this is a bug in basin; rerun with BASIN_DEBUG=1 for the stack trace and report it");
            return Failure;
        }
    }
}
