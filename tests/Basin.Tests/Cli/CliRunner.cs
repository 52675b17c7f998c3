namespace Basin.Tests.Cli;

/// <summary>Runs the basin command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    /// <summary>Two small runs of seeds 1 and 2 (a tanh MLP on 100 spirals) under <paramref name="dir"/>: a frame's worth of checkpoints.</summary>
    public static string[] TwoRuns(string dir, int epochs)
    {
        foreach (var seed in new[] { "1", "2" })
            Assert.Equal(0, Run("train", "--model", "linear(2,8),tanh,linear(8,2)", "--data", "spirals", "--n", "100", "--epochs", epochs.ToString(),
                "--seed", seed, "--out", Path.Combine(dir, seed)).Code);
        return [Path.Combine(dir, "1"), Path.Combine(dir, "2")];
    }

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Basin.Cli.Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    public const string Mlp = "linear(784,100),relu,linear(100,10)";
}
