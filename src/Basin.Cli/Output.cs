using System.Text.Json.Nodes;
using Spectre.Console;

namespace Basin.Cli;

/// <summary>Small helpers for tables on a given writer and JSON numbers (NaN/inf become null).</summary>
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

    public static JsonNode? Number(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;
}
