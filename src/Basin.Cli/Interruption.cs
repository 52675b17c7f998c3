namespace Basin.Cli;

/// <summary>
/// Ctrl-C. A command that can stop at a safe point (training between steps, a surface between chunks) asks for
/// <see cref="Token"/> and stops there, and the process exits with 130; any other command exits with 130 at once, which
/// loses nothing either, since every result file is written whole under a temporary name and renamed. A second Ctrl-C
/// always exits at once.
/// </summary>
internal static class Interruption
{
    public const int ExitCode = 130;

    static readonly CancellationTokenSource Source = new();
    static int cooperating, presses;

    /// <summary>Installs the handler; only the real process does (tests call <see cref="Cli.Run"/> in-process).</summary>
    public static void Install()
    {
        Console.CancelKeyPress += (_, e) =>
        {
            if (Interlocked.Increment(ref presses) == 1 && Volatile.Read(ref cooperating) > 0)
            {
                e.Cancel = true;
                Source.Cancel();
                return;
            }
            Console.Error.WriteLine("stopped: interrupted; every file written so far is whole");
            Environment.Exit(ExitCode);
        };
    }

    /// <summary>Stops a cooperating command at its next safe point, as a first Ctrl-C does (a worker's SIGTERM).</summary>
    public static void Cancel() => Source.Cancel();

    /// <summary>The token of a command that stops at safe points when it is cancelled (Ctrl-C then waits for that point).</summary>
    public static CancellationToken Token
    {
        get
        {
            Interlocked.Exchange(ref cooperating, 1);
            return Source.Token;
        }
    }
}
