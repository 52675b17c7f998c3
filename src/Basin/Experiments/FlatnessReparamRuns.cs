using Basin.Curvature;
using Basin.Data;
using Basin.Engine;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>
/// One trained minimum of the flatness experiment and its measures on the training set: top Hessian eigenvalue, Hutchinson
/// trace with its standard error, the curvature along filter-normalized directions, gradient disagreement and Huszar's ratio.
/// </summary>
internal sealed record FlatMinimum(int Batch, ulong Seed, double[] Theta, double TrainLoss, double TrainAccuracy, double TestAccuracy, bool Converged,
    double TopEigenvalue, double Trace, double TraceStandardError, double FilterCurvature, double Disagreement, double HuszarRatio)
{
    public double Gap => TrainAccuracy - TestAccuracy;
}

/// <summary>
/// Keskar et al.'s protocol on the embedded Fashion-MNIST subset: Adam at the same settings for a small batch and a large
/// one (10 % of the data), each run until the training loss reaches the target (a minimum by the stated criterion), over
/// seeds; every measure in float64.
/// </summary>
internal sealed class FlatnessReparamRuns(ExperimentInputs inputs, int hidden, int examples, string directory)
{
    public const double TargetLoss = 0.01;
    const int FilterDirections = 3, Minibatches = 8, MinibatchSize = 32;

    readonly DataSource source = inputs.Source("train", examples);
    public DataSet Train => field ??= source.Load();
    public readonly DataSet Test = inputs.Load("test");

    /// <summary>The given network, else an MLP with one hidden layer.</summary>
    public string Model => inputs.Model ?? $"linear({Train.InputSize},{hidden}),relu,linear({hidden},{Train.Classes})";
    public int SmallBatch => Math.Min(32, examples / 25);
    public int LargeBatch => examples / 10;

    Network<double>? network;
    EmpiricalRisk<double>? trainRisk, testRisk;

    public Network<double> Net() => network ??= ModelSpec.Build<double>(Model, Train.InputShape);

    /// <summary>The risks on the training and test sets, made once (each holds its float64 copy of the data and its workspaces).</summary>
    public EmpiricalRisk<double> TrainRisk => trainRisk ??= Risk(Train);
    public EmpiricalRisk<double> TestRisk => testRisk ??= Risk(Test);

    EmpiricalRisk<double> Risk(DataSet data) => new(Net(), data, "ce", 0, 500, 0);

    /// <summary>The training run of the minimum of this batch size and seed.</summary>
    public TrainingTask Run(int batch, ulong seed) => new(new RunConfig
    {
        Model = Model, Data = Train.Name, DType = "float64", Optimizer = "adam", LearningRate = 1e-3, Batch = batch, Epochs = 1000,
        TargetLoss = TargetLoss, Seed = seed, SaveEvery = 0, Test = false,
    }, Train, Path.Combine(directory, $"batch-{batch}-seed-{seed}"), source);

    /// <summary>Trains (or reuses) the minimum of this batch size and seed and measures it.</summary>
    public FlatMinimum Minimum(int batch, ulong seed)
    {
        var run = Run(batch, seed).Ensure();
        var theta = SafeTensors.ReadTheta<double>(run.FinalPath, Net().Layout);
        var f = TrainRisk;
        var e = f.Evaluate(theta);
        var trace = Curvature.Trace.Hutchinson(new HessianOperator<double>(f, theta), new ProbeOptions { MaxProbes = 30, MinProbes = 30, RelativeTolerance = 0 }, seed);
        double top = TopEigenvalue(f, theta, seed);
        return new FlatMinimum(batch, seed, theta, e.Loss, e.Accuracy, TestRisk.Evaluate(theta).Accuracy, e.Loss <= TargetLoss, top,
            trace.Value, trace.StandardError, FilterCurvature(f, theta, seed), Sharpness.GradientDisagreement(f, theta, MinibatchSize, 10, seed), HuszarRatio(theta, top, seed));
    }

    public static double TopEigenvalue(EmpiricalRisk<double> f, double[] theta, ulong seed) =>
        Spectrum.Top(new HessianOperator<double>(f, theta), new LanczosOptions(1), seed).Values[0];

    /// <summary>
    /// The mean second difference (L(theta + h d) - 2 L(theta) + L(theta - h d)) / h^2 along filter-normalized random
    /// directions d (Li et al.), h = 0.05: unchanged by a rescaling that leaves the function unchanged, unlike raw sharpness.
    /// </summary>
    public double FilterCurvature(EmpiricalRisk<double> f, double[] theta, ulong seed)
    {
        const double h = 0.05;
        double centre = f.Evaluate(theta).Loss, sum = 0;
        for (int k = 0; k < FilterDirections; k++)
        {
            var d = Directions.Random<double>(f.Network.Layout, seed + (ulong)k, 1);
            Directions.Normalize<double>(d, theta, f.Network.Layout, Normalization.Filter, Ignore.Bias);
            var results = new Evaluation[2];
            f.EvaluatePlane(theta, d, [], [-h, h], new double[2], results);
            sum += (results[0].Loss - 2 * centre + results[1].Loss) / (h * h);
        }
        return sum / FilterDirections;
    }

    /// <summary>
    /// Huszar's flatness ratio: the mean top Hessian eigenvalue of single-minibatch losses over that of the mean loss. The
    /// mean loss is flat where minibatch losses disagree; a ratio well above 1 says its flatness comes from averaging.
    /// </summary>
    double HuszarRatio(double[] theta, double top, ulong seed)
    {
        double minibatch = Enumerable.Range(0, Minibatches).Average(b => TopEigenvalue(Risk(Train.Slice(b * MinibatchSize, MinibatchSize)), theta, seed));
        return minibatch / top;
    }

    /// <summary>Training and test loss along (1 - t) a + t b (Keskar et al.'s figure 3).</summary>
    public (double[] Train, double[] Test) Line(double[] a, double[] b, double[] t) =>
        (StraightLine.Evaluate(TrainRisk, a, b, t).Select(e => e.Loss).ToArray(), StraightLine.Evaluate(TestRisk, a, b, t).Select(e => e.Loss).ToArray());
}
