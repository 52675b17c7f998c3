using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Basin.Tests.Cli;

/// <summary>
/// The basin command as a separate process (the build's basin.dll under the dotnet host), for what an in-process run
/// cannot show: a kill -9 at any moment, a Ctrl-C, the exit code the shell sees. Every process is waited for, and
/// killed if it outlives its time limit.
/// </summary>
internal sealed partial class BasinProcess : IDisposable
{
    readonly Process process;
    readonly System.Text.StringBuilder stdout = new(), stderr = new();

    public BasinProcess(string workingDirectory, params string[] args)
    {
        AllowInterrupts();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "basin.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (stdout) stdout.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.Append(e.Data).Append('\n'); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    static string Text(System.Text.StringBuilder b) { lock (b) return b.ToString(); }

    public bool HasExited => process.HasExited;

    /// <summary>What the process has printed on stderr so far.</summary>
    public string Stderr => Text(stderr);

    /// <summary>Runs to the end (at most <paramref name="seconds"/>) and returns what it printed.</summary>
    public (int Code, string Out, string Err) Wait(double seconds = 120)
    {
        if (!process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"basin ran past {seconds} s: {Text(stderr)}");
        }
        process.WaitForExit();
        return (process.ExitCode, Text(stdout), Text(stderr));
    }

    /// <summary>kill -9 after <paramref name="delay"/>; false when the process had already finished by itself.</summary>
    public bool KillAfter(TimeSpan delay)
    {
        if (process.WaitForExit(delay)) return false;
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return true;
    }

    /// <summary>Ctrl-C: SIGINT to the process, as a terminal sends it.</summary>
    public void Interrupt() => Assert.Equal(0, Kill(process.Id, 2));

    /// <summary>Waits until stderr has printed <paramref name="text"/>; false if the process ended or the time ran out first.</summary>
    public bool WaitForStderr(string text, double seconds = 60) =>
        SpinWait.SpinUntil(() => process.HasExited || Text(stderr).Contains(text), TimeSpan.FromSeconds(seconds)) && !process.HasExited;

    /// <summary>Waits until stdout has printed <paramref name="text"/>; false if the process ended or the time ran out first.</summary>
    public bool WaitForStdout(string text, double seconds = 60) =>
        SpinWait.SpinUntil(() => process.HasExited || Text(stdout).Contains(text), TimeSpan.FromSeconds(seconds)) && !process.HasExited;

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    /// <summary>
    /// A child inherits an ignored SIGINT (as a test host started in the background has it), and .NET then keeps ignoring
    /// it; the default disposition lets the children see a Ctrl-C.
    /// </summary>
    static void AllowInterrupts()
    {
        string status = File.ReadAllText("/proc/self/status");
        int at = status.IndexOf("SigIgn:", StringComparison.Ordinal);
        ulong ignored = Convert.ToUInt64(status[(at + 7)..status.IndexOf('\n', at)].Trim(), 16);
        if ((ignored & (1UL << 1)) != 0) Signal(2, 0);
    }
}
