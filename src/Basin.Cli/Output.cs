namespace Basin.Cli;

/// <summary>Tables on a given writer: colours on a terminal, plain text 160 columns wide otherwise.</summary>
internal static class Output
{
    public static IAnsiConsole Console(TextWriter writer)
    {
        bool terminal = writer == System.Console.Out && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!terminal) console.Profile.Width = 160;
        return console;
    }

    /// <summary>A fraction as a percentage, "n/a" when there are no labels to score.</summary>
    public static string Percent(double x) => double.IsNaN(x) ? "n/a" : $"{100 * x:F2} %";
}
