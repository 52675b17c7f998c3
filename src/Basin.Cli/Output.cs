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

    /// <summary>
    /// The rows a table of <paramref name="count"/> points shows: all when they are at most <paramref name="most"/>, else
    /// about that many evenly spaced, always with both ends and the <paramref name="keep"/> rows (a barrier's peak).
    /// </summary>
    public static int[] Rows(int count, int most, params int[] keep)
    {
        if (count <= most) return [.. Enumerable.Range(0, count)];
        var rows = new SortedSet<int>(keep.Where(k => k >= 0 && k < count)) { 0, count - 1 };
        for (int k = 0; k < most - 1; k++) rows.Add((int)Math.Round(k * (count - 1.0) / (most - 1)));
        return [.. rows];
    }

    /// <summary>Adds the rows, with a row of ellipses wherever points are left out, and a caption saying how many are shown.</summary>
    public static Table AddRows(this Table table, int count, int[] rows, Func<int, string[]> row)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            if (r > 0 && rows[r] > rows[r - 1] + 1) table.AddRow([.. Enumerable.Repeat("...", table.Columns.Count)]);
            table.AddRow(row(rows[r]));
        }
        if (rows.Length < count) table.Caption($"{rows.Length} of {count} points: the ends, A and B, the highest loss and evenly spaced ones (--json has all)");
        return table;
    }
}
