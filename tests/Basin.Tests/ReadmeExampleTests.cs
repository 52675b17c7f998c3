using Basin.Curvature;
using Basin.Data;
using Basin.Landscape;
using Basin.Training;

namespace Basin.Tests;

/// <summary>The README's "Use it from C#" example, run as written, its numbers checked by other means.</summary>
public class ReadmeExampleTests
{
    static string[] Statements(IEnumerable<string> lines) =>
        lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal)).ToArray();

    [Fact]
    public void The_readme_example_is_this_code()
    {
        var readme = File.ReadAllText(Path.Combine(Source(), "..", "README.md"));
        int section = readme.IndexOf("## Use it from C#", StringComparison.Ordinal);
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var example = Statements(readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)].Split('\n'));
        var self = File.ReadAllLines(Path.Combine(Source(), "..", "tests", "Basin.Tests", "ReadmeExampleTests.cs"));
        int begin = Array.FindIndex(self, l => l.Trim() == "// README begins");
        int end = Array.FindIndex(self, l => l.Trim() == "// README ends");
        // The README names its run directory; the test puts it in a temporary folder.
        Assert.Equal("string run = \"runs/mlp\";", example[0]);
        Assert.Equal(example[1..], Statements(self[(begin + 1)..end]));
    }

    static string Source([System.Runtime.CompilerServices.CallerFilePath] string self = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "src"));

    [Fact]
    public void The_readme_example_runs_and_its_numbers_agree_with_independent_estimates()
    {
        string run = Path.Combine(TestPaths.NewDirectory("readme"), "mlp");
        // README begins
        // Train a small MLP on the embedded Fashion-MNIST subset (2,000 images) for two epochs.
        var config = new RunConfig { Model = "mlp:784-32-10", Data = "fashion-mnist-mini", LearningRate = 0.05, Momentum = 0.9, Epochs = 2 };
        TrainResult trained = TrainingRun.Create(config, run, replace: true).Run();

        // The minimum it reached: its loss, the top of the Hessian's spectrum and its trace, and the surface around it.
        var data = DataSet.Load("fashion-mnist-mini");
        var minimum = LossLandscape.Load(run, data);
        Evaluation loss = minimum.Evaluate();
        Eigenpairs top = Spectrum.Top(minimum.Hessian(), new LanczosOptions(3), seed: 0);
        CurvatureReport curvature = minimum.Curvature(new CurvatureOptions { Top = 3, Trace = true, Seed = 1 });
        var (surface, _) = minimum.Surface(new SurfaceOptions { X = new Axis(-1, 1, 11), Y = new Axis(-1, 1, 11) });
        Console.WriteLine($"loss {loss.Loss:F4}, accuracy {loss.Accuracy:P1}, lambda_max {top.Values[0]:G4}, " +
                          $"trace {curvature.Trace!.Value:G4}, highest loss on the plane {surface.TrainLoss.Max():G4}");
        // README ends

        // It learned (chance is 10 %), and the loss at the minimum is the trainer's own final evaluation.
        Assert.InRange(trained.Train.Accuracy, 0.6, 1.0);
        Assert.Equal(trained.Train.Loss, loss.Loss, 1e-5 * loss.Loss);
        Assert.Equal(loss.Loss, surface.TrainLoss[surface.Center!.Value], 1e-5 * loss.Loss);
        // The largest eigenvalue by Lanczos from two seeds and by power iteration, an independent method.
        var power = Spectrum.Power(minimum.Hessian(), new PowerOptions(1) { MaxIterations = 500, Tolerance = 1e-7 }, 7);
        Assert.Equal(top.Values[0], curvature.Top!.Values[0], 1e-4 * top.Values[0]);
        Assert.Equal(top.Values[0], power.Values[0], 1e-3 * top.Values[0]);
        Assert.True(top.Residuals[0] < 1e-3 * top.Values[0], $"residual {top.Residuals[0]}");
        // Hutchinson's trace against Hutch++'s, within four standard errors of their difference.
        var hutchpp = Basin.Curvature.Trace.HutchPlusPlus(minimum.Hessian(), new ProbeOptions { MaxProbes = 150 }, 3);
        var t = curvature.Trace;
        Assert.True(Math.Abs(t.Value - hutchpp.Value) < 4 * Math.Sqrt(t.StandardError * t.StandardError + hutchpp.StandardError * hutchpp.StandardError),
            $"Hutchinson {t.Value} +- {t.StandardError}, Hutch++ {hutchpp.Value} +- {hutchpp.StandardError}");
    }
}
