using Basin.Landscape;
using Basin.Models;
using PureHDF;
using Basin.Training;

namespace Basin.Tests.Cli;

/// <summary>
/// Fault injection: basin started as a process and killed with SIGKILL at seeded random moments, several times a run,
/// then resumed; what it leaves must equal, byte for byte, what an uninterrupted run writes. And Ctrl-C: exit code 130.
/// </summary>
public class KillAndResumeTests
{
    const string Model = "linear(784,16),relu,linear(16,10)";

    /// <summary>
    /// Starts <paramref name="command"/> until one run finishes, killing the first <paramref name="kills"/> at random
    /// moments: each once <paramref name="progress"/> (cells saved, checkpoints written) has reached a seeded random
    /// target short of <paramref name="total"/>, plus a random 0-20 ms, which lands some kills inside a write. Returns how
    /// many kills struck a live process.
    /// </summary>
    static int RunWithKills(string dir, Func<string[]> command, int kills, int seed, Func<int> progress, int total)
    {
        var random = new Random(seed);
        int struck = 0;
        for (int attempt = 0; attempt <= kills; attempt++)
        {
            using var p = new BasinProcess(dir, command());
            if (attempt < kills)
            {
                int target = random.Next(Math.Min(progress() + 1, total - 1), total);
                var delay = TimeSpan.FromMilliseconds(random.Next(21));
                if (SpinWait.SpinUntil(() => p.HasExited || progress() >= target, TimeSpan.FromSeconds(120)) && p.KillAfter(delay))
                {
                    struck++;
                    continue;
                }
            }
            var (code, _, err) = p.Wait();
            Assert.True(code == 0, err);
            break;
        }
        return struck;
    }

    [Fact]
    public void A_surface_killed_at_random_moments_and_resumed_equals_an_uninterrupted_one()
    {
        string dir = TestPaths.NewDirectory("kill-surface");
        string run = Path.Combine(dir, "run");
        Assert.Equal(0, CliRunner.Run("train", "--model", Model, "--epochs", "1", "--out", run, "--no-test").Code);
        string[] args = ["surface", "--weights", run, "--xrange", "-1:1:17", "--yrange", "-1:1:13", "--test", "--flush-every", "4", "--no-plots"];
        string whole = Path.Combine(dir, "whole.h5"), part = Path.Combine(dir, "part.h5");
        Assert.Equal(0, CliRunner.Run([.. args, "--out", whole]).Code);
        int struck = RunWithKills(dir, () => [.. args, "--out", part], kills: 4, seed: 15, () => File.Exists(part) ? SurfaceFile.Read(part).Completed : 0, 17 * 13);
        Assert.True(struck >= 3, $"{struck} kills struck a running surface");

        using var a = H5File.OpenRead(whole);
        using var b = H5File.OpenRead(part);
        foreach (var name in new[] { "xcoordinates", "ycoordinates" })
            Assert.Equal(a.Dataset(name).Read<double[]>(), b.Dataset(name).Read<double[]>());
        foreach (var name in new[] { "train_loss", "train_acc", "test_loss", "test_acc" })
            Assert.Equal(a.Dataset(name).Read<double[,]>(), b.Dataset(name).Read<double[,]>());
        Assert.Equal(a.Dataset("computed").Read<byte[,]>(), b.Dataset("computed").Read<byte[,]>());
        Assert.Equal(a.Attributes().ToDictionary(x => x.Name, x => x.Read<string>()), b.Attributes().ToDictionary(x => x.Name, x => x.Read<string>()));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "whole.dir_x.safetensors")), File.ReadAllBytes(Path.Combine(dir, "part.dir_x.safetensors")));
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp"));
    }

    [Fact]
    public void Training_killed_at_random_moments_and_resumed_equals_an_uninterrupted_run()
    {
        string dir = TestPaths.NewDirectory("kill-train");
        string whole = Path.Combine(dir, "whole"), part = Path.Combine(dir, "part");
        string[] args = ["train", "--model", "mlp:784-100-10", "--n", "2000", "--test-n", "200", "--epochs", "6", "--batch", "50",
            "--save-every-steps", "10", "--log-every", "7"];
        Assert.Equal(0, CliRunner.Run([.. args, "--out", whole]).Code);
        int saved = Directory.GetFiles(Path.Combine(whole, "checkpoints"), "*.optimizer.safetensors").Length;
        // Killed before model.json exists the run is started again; after, it is resumed.
        int struck = RunWithKills(dir, () => File.Exists(Path.Combine(part, "model.json")) ? ["train", "--resume", part] : [.. args, "--out", part],
            kills: 5, seed: 16, () => new RunDirectory(part).ResumableSteps().Count, saved);
        Assert.True(struck >= 3, $"{struck} kills struck a running training");

        Assert.Equal(TrustTests.Metrics(whole), TrustTests.Metrics(part));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final.safetensors")), File.ReadAllBytes(Path.Combine(part, "final.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model.json")), File.ReadAllBytes(Path.Combine(part, "model.json")));
        var checkpoints = Directory.GetFiles(Path.Combine(whole, "checkpoints")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(checkpoints, Directory.GetFiles(Path.Combine(part, "checkpoints")).Select(Path.GetFileName).Order().ToArray());
        foreach (var name in checkpoints)
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "checkpoints", name!)), File.ReadAllBytes(Path.Combine(part, "checkpoints", name!)));
    }

    [Fact]
    public void Ctrl_C_stops_training_at_a_safe_point_with_exit_code_130_and_the_run_resumes()
    {
        string dir = TestPaths.NewDirectory("ctrl-c");
        string run = Path.Combine(dir, "run");
        using var p = new BasinProcess(dir, "train", "--model", "linear(2,8),tanh,linear(8,2)", "--data", "spirals", "--n", "200", "--batch", "50",
            "--epochs", "100000", "--out", run);
        Assert.True(p.WaitForStderr("epoch 3 "), "training did not start");
        p.Interrupt();
        var (code, _, err) = p.Wait();
        Assert.Equal(130, code);
        Assert.Contains("stopped: finished work up to the last checkpoint is kept", err);
        Assert.DoesNotContain("error:", err);
        Assert.NotEmpty(new RunDirectory(run).ResumableSteps());
        var (resumed, _, resumeErr) = CliRunner.Run("train", "--resume", run, "--epochs", "3");
        Assert.True(resumed == 0, resumeErr);
    }

    [Fact]
    public void Ctrl_C_stops_any_other_command_with_exit_code_130()
    {
        string dir = TestPaths.NewDirectory("ctrl-c-bench");
        using var p = new BasinProcess(dir, "bench", "--repeat", "100000");
        Thread.Sleep(1500);
        p.Interrupt();
        Assert.Equal(130, p.Wait().Code);
    }
}
