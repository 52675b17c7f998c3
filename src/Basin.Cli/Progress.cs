namespace Basin.Cli;

/// <summary>Progress of a long computation on stderr: a bar on a terminal, nothing otherwise.</summary>
internal static class Progress
{
    public static void Run(TextWriter stderr, string what, int total, int done, Action<Action<int>> work)
    {
        if (stderr != Console.Error || Console.IsErrorRedirected) work(_ => { });
        else Bar(what, total, (task, _) =>
        {
            task.Value = done;
            work(n => task.Value = n);
        });
    }

    /// <summary>A bar on the terminal's stderr while <paramref name="work"/> runs, which may also print lines above it.</summary>
    public static void Bar(string what, double total, Action<ProgressTask, IAnsiConsole> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(what, maxValue: Math.Max(1, total));
                work(task, console);
                task.Value = task.MaxValue;
            });
    }

    /// <summary>
    /// Runs work that reports the fraction done; on a terminal's stderr a bar appears once it has taken a second (a fast
    /// load shows nothing).
    /// </summary>
    public static TResult Delayed<TResult>(TextWriter stderr, string what, Func<Action<double>, TResult> work)
    {
        if (stderr != Console.Error || Console.IsErrorRedirected) return work(_ => { });
        double fraction = 0;
        using var done = new ManualResetEventSlim();
        var bar = Task.Run(() =>
        {
            if (done.Wait(1000)) return;
            Bar(what, 1, (task, _) =>
            {
                while (!done.Wait(100)) task.Value = Volatile.Read(ref fraction);
            });
        });
        try { return work(f => Volatile.Write(ref fraction, f)); }
        finally
        {
            done.Set();
            bar.Wait();
        }
    }

    /// <summary>Runs work under a spinner with a status line on a terminal's stderr; plainly otherwise.</summary>
    public static TResult Status<TResult>(TextWriter stderr, string what, Func<TResult> work)
    {
        if (stderr != Console.Error || Console.IsErrorRedirected) return work();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Status().Start(Markup.Escape(what), _ => work());
    }
}
