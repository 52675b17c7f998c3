using System.Globalization;
using Basin.Connectivity;
using Basin.Curvature;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>A trained minimum, whether it met its stopping criterion, and its measures.</summary>
internal sealed record Minimum(float[] Theta, double TrainLoss, double TrainError, double TestError, double GradientNorm, bool Converged,
    double Trace, double TraceStandardError, double DistanceFromInit);

/// <summary>One perturbation of a minimum and its retraining by full-batch GD.</summary>
internal sealed record Perturbation(double Scale, double ErrorAfterPerturbation, double ErrorAfterRetraining, double Barrier, double Distance, float[] Retrained,
    IReadOnlyList<float[]> Trajectory);

/// <summary>The trainings and measurements of Theory II's CNN on the first images of a data set (the embedded Fashion-MNIST subset).</summary>
internal sealed class TheoryTwoRuns(ExperimentInputs inputs, int examples, int channels, string directory)
{
    readonly DataSource source = inputs.Source("train", examples);
    public DataSet Train => field ??= source.Load();
    public readonly DataSet Test = inputs.Load("test");

    /// <summary>The stopping criterion: a mean training cross-entropy of 0.01, with zero training error verified where it stops.</summary>
    public double TargetLoss => 0.01;

    /// <summary>One convolution, the activation, 2 x 2 max pooling and a linear layer to the classes.</summary>
    public string Spec(string activation = "relu")
    {
        var (c, h, w) = ExperimentInputs.Image(Train, "theory2");
        return $"conv2d({c},{channels},3,padding=1),{activation},maxpool2d(2),flatten,linear({channels * (h / 2) * (w / 2)},{Train.Classes})";
    }

    /// <summary>
    /// A fresh risk per measurement, not one kept for the whole experiment: a risk keeps the buffers of the passes it has run
    /// (the plane pass's among them), and keeping the train and test risks raised the full run's peak memory from 1.7-2.1 GB
    /// to 2.6-3.4 GB (two runs each, /usr/bin/time).
    /// </summary>
    EmpiricalRisk<float> Risk(string spec, DataSet data) => new(ModelSpec.Build<float>(spec, Train.InputShape), data, "ce", 0, 500, 0);

    public RunConfig Config(string optimizer, ulong seed, string activation = "relu", int epochs = 300) => new()
    {
        Model = Spec(activation), Data = Train.Name, Optimizer = optimizer, LearningRate = optimizer == "gd" ? 0.2 : 0.05,
        Momentum = optimizer == "gd" ? 0 : 0.9, Batch = 32, Epochs = optimizer == "gd" ? 10 * epochs : epochs, TargetLoss = TargetLoss, Seed = seed,
        SaveEvery = optimizer == "gd" ? 10 : 1, Test = false,
    };

    TrainingTask Run(string name, RunConfig config) => new(config, Train, Path.Combine(directory, name), source);

    /// <summary>The k-th minimum by SGD (of seed + k), from scratch.</summary>
    public TrainingTask Sgd(int k, ulong seed) => Run($"sgd-{k}", Config("sgd", seed + (ulong)k));

    /// <summary>The k-th minimum by full-batch GD (of seed + k), from scratch.</summary>
    public TrainingTask Gd(int k, ulong seed) => Run($"gd-{k}", Config("gd", seed + (ulong)k));

    /// <summary>The minimum by SGD with ReLU replaced by its polynomial of this degree.</summary>
    public TrainingTask Polynomial(int degree, ulong seed) => Run("polynomial", Config("sgd", seed, PolynomialActivation(degree)));

    /// <summary>Trains (or reuses) a run to the stopping criterion and measures where it ended.</summary>
    public Minimum Minimum(TrainingTask task, bool measureCurvature)
    {
        var config = task.Config;
        var run = task.Ensure();
        var risk = Risk(config.Model, Train);
        var network = risk.Network;
        var theta = SafeTensors.ReadTheta<float>(run.FinalPath, network.Layout);
        var gradient = new float[theta.Length];
        double loss = risk.Gradient(theta, gradient);
        double error = 1 - risk.Evaluate(theta).Accuracy;
        double testError = 1 - Risk(config.Model, Test).Evaluate(theta).Accuracy;
        var trace = measureCurvature ? Curvature.Trace.Hutchinson(new HessianOperator<float>(risk, theta), new ProbeOptions { MaxProbes = 30, MinProbes = 30, RelativeTolerance = 0 }, config.Seed)
            : new TraceEstimate(double.NaN, double.NaN, 0);
        var init = Initialization.Create<float>(network.Layout, config.Init, config.Seed);
        return new Minimum(theta, loss, error, testError, Norm(gradient), loss <= TargetLoss && error == 0, trace.Value, trace.StandardError,
            Distance(theta, init));
    }

    /// <summary>
    /// Perturbs <paramref name="minimum"/> by N(0, (scale mean|w|)^2) and retrains by full-batch GD for the given epochs
    /// (Liao and Poggio's protocol), under directory/NAME.
    /// </summary>
    public Perturbation Perturb(string name, float[] minimum, double scale, int epochs, ulong seed)
    {
        var risk = Risk(Spec(), Train);
        var network = risk.Network;
        string root = Path.Combine(directory, name);
        var retrained = PerturbRetrain.Run(Config("gd", seed), Train, null, minimum, network.Layout, scale, 1, epochs, "gd", 0.1, root, 0, noise: 0x9E27 + seed)[0];
        var (distance, barrier) = PerturbRetrain.Pairwise(risk, [minimum, retrained.Weights]);
        var run = new RunDirectory(Path.Combine(root, "seed-0"));
        return new Perturbation(scale, 1 - retrained.Rows[0].TrainAccuracy, 1 - retrained.Rows[^1].TrainAccuracy, barrier[0, 1], distance[0, 1], retrained.Weights,
            run.Checkpoints().Select(s => SafeTensors.ReadTheta<float>(run.CheckpointPath(s), network.Layout)).ToList());
    }

    /// <summary>The straight-line barrier and distance between two minima of the ReLU net.</summary>
    public (double Barrier, double Distance) Line(float[] a, float[] b)
    {
        var (distance, barrier) = PerturbRetrain.Pairwise(Risk(Spec(), Train), [a, b]);
        return (barrier[0, 1], distance[0, 1]);
    }

    /// <summary>Training and test error along a + t (b - a), t = 0, 0.05, ..., 1.</summary>
    public (double[] Train, double[] Test) Errors(float[] a, float[] b)
    {
        var t = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();
        double[] Along(DataSet data) => StraightLine.Evaluate(Risk(Spec(), data), a, b, t).Select(e => 1 - e.Accuracy).ToArray();
        return (Along(Train), Along(Test));
    }

    /// <summary>The spec with ReLU replaced by its least-squares polynomial of the given degree on [-3, 3].</summary>
    string PolynomialActivation(int degree) =>
        $"poly({string.Join(",", TheoryTwo.ReluPolynomial(degree, 3).Select(c => c.ToString("R", CultureInfo.InvariantCulture)))})";

    public int Parameters => ModelSpec.Build<float>(Spec(), Train.InputShape).ParameterCount;

    static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    static double Distance(float[] a, float[] b) => Math.Sqrt(a.Select((x, i) => ((double)x - b[i]) * ((double)x - b[i])).Sum());
}
