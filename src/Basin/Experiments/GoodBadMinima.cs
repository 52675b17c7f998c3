using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>One minimum's measures, all on the clean training set.</summary>
internal sealed record MinimumMeasures(string Name, double TrainAccuracy, double TestAccuracy, double[] TopEigenvalues, double Trace, double TraceStandardError,
    double Frobenius, double LogBasinVolume, double[] LineLoss, Surface Plane);

/// <summary>
/// Wu, Zhu and E (2017): a "bad" minimum is made by training on the clean set plus an attack set of extra points
/// with random labels; trained to the same small training loss it fits the clean set as perfectly as the "good" minimum, but
/// generalizes worse and sits in a sharper, smaller basin (larger Hessian trace and top eigenvalues).
/// </summary>
internal sealed class GoodBadMinima : Experiment
{
    public override string Name => "good-bad-minima";
    public override string Paper => "Wu, Zhu and E (2017), Towards Understanding Generalization of Deep Learning: Perspective of Loss Landscapes";
    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters => [];

    protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p)
    {
        string model = quick ? "linear(784,32),relu,linear(32,10)" : "mlp:784-100-10";
        int clean = quick ? 300 : 1000, attack = quick ? 300 : 1000;
        var (good, bad) = Run(model, clean, attack, quick ? 300 : 3000, directory, seed);
        Claim[] claims =
        [
            new("Both minima fit the clean training set perfectly", $"training accuracy {F(100 * good.TrainAccuracy)} % and {F(100 * bad.TrainAccuracy)} %",
                good.TrainAccuracy == 1 && bad.TrainAccuracy == 1),
            new("The attack-set minimum generalizes worse", $"test accuracy {F(100 * good.TestAccuracy)} % vs {F(100 * bad.TestAccuracy)} %", bad.TestAccuracy < good.TestAccuracy),
            new("The attack-set minimum is sharper: larger Hessian trace", $"trace {F(good.Trace)} +- {F(good.TraceStandardError)} vs {F(bad.Trace)} +- {F(bad.TraceStandardError)}", bad.Trace > good.Trace),
            new("... and a smaller basin (log volume from the top eigenvalues)", $"{F(good.LogBasinVolume)} vs {F(bad.LogBasinVolume)}", bad.LogBasinVolume < good.LogBasinVolume),
        ];
        static JsonObject Measures(MinimumMeasures m) => new()
        {
            ["train_accuracy"] = m.TrainAccuracy, ["test_accuracy"] = m.TestAccuracy, ["trace"] = m.Trace, ["trace_stderr"] = m.TraceStandardError,
            ["frobenius"] = m.Frobenius, ["log_basin_volume"] = m.LogBasinVolume,
            ["top_eigenvalues"] = new JsonArray(m.TopEigenvalues.Select(v => (JsonNode)v).ToArray()),
        };
        var json = new JsonObject
        {
            ["title"] = "Good and bad minima: an attack set of random labels",
            ["paper"] = Paper,
            ["settings"] = new JsonObject { ["model"] = model, ["clean"] = clean, ["attack"] = attack, ["seed"] = seed, ["quick"] = quick },
            ["claims"] = ExperimentResult.ClaimsJson(claims),
            ["good"] = Measures(good), ["bad"] = Measures(bad),
        };
        Figure[] figures =
        [
            new("line", "Clean training loss along a filter-normalized direction", "x", "loss")
                { Curves = [(good.Name, good.LineLoss), (bad.Name, bad.LineLoss)], X = Enumerable.Range(0, 21).Select(i => -1 + i / 10.0).ToArray() },
            new("good-2d", "") { Surface = good.Plane },
            new("bad-2d", "") { Surface = bad.Plane },
        ];
        return new ExperimentResult(claims, json, figures);
    }

    internal static (MinimumMeasures Good, MinimumMeasures Bad) Run(string model, int cleanCount, int attackCount, int maxEpochs, string workDir, ulong seed)
    {
        var clean = DataCatalog.Load(DataCatalog.Embedded, "train", n: cleanCount);
        var pool = DataCatalog.Load(DataCatalog.Embedded, "train");
        if (cleanCount + attackCount > pool.Count)
            throw new BasinException("attack set", $"{cleanCount} clean + {attackCount} attack examples exceed the {pool.Count} embedded images");
        // The attack set: the next images, with random labels.
        var attackImages = pool.Features.AsSpan(cleanCount * pool.InputSize, attackCount * pool.InputSize).ToArray();
        var rng = new Tensors.Rng(seed, 0xA77A);
        var attackLabels = Enumerable.Range(0, attackCount).Select(_ => rng.NextInt(pool.Classes)).ToArray();
        var poisoned = new DataSet("clean+attack", clean.InputShape, [.. clean.Features, .. attackImages], [.. clean.Labels!, .. attackLabels], clean.Classes);
        var test = DataCatalog.Load(DataCatalog.Embedded, "test");
        // Below ln 2 / (2 N) no example of the larger set can be misclassified: both runs end at zero training error
        // and at the same small loss.
        double target = 0.5 * Math.Log(2) / poisoned.Count;
        var good = Train(model, clean, Path.Combine(workDir, "good"), maxEpochs, seed, target);
        var bad = Train(model, poisoned, Path.Combine(workDir, "bad"), maxEpochs, seed, target);
        return (Measure("good (clean set)", model, good, clean, test, seed), Measure("bad (clean + attack set)", model, bad, clean, test, seed));
    }

    static float[] Train(string model, DataSet data, string dir, int maxEpochs, ulong seed, double targetLoss)
    {
        var config = new RunConfig
        {
            Model = model, Data = data.Name, Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9, Batch = 64, Epochs = maxEpochs,
            TargetLoss = targetLoss, Seed = seed, SaveEvery = 0, Test = false,
        };
        var run = TrainingRun.Ensure<float>(config, data, null, dir, 0);
        var network = ModelSpec.Build<float>(model, data.InputShape);
        return SafeTensors.ReadTheta<float>(run.FinalPath, network.Layout);
    }

    static MinimumMeasures Measure(string name, string model, float[] theta, DataSet clean, DataSet test, ulong seed)
    {
        var network = ModelSpec.Build<float>(model, clean.InputShape);
        var train = new Objective.EmpiricalRisk<float>(network, clean, "ce", 0, 500, 0);
        var testObjective = new Objective.EmpiricalRisk<float>(network, test, "ce", 0, 500, 0);
        var hessian = new HessianOperator<float>(train, theta);
        var top = Spectrum.Top(hessian, new LanczosOptions(5), seed);
        var trace = Trace.Hutchinson(hessian, new ProbeOptions { MaxProbes = 100, RelativeTolerance = 0.02 }, seed);
        var frobenius = Trace.FrobeniusSquared(hessian, new ProbeOptions { MaxProbes = 30 }, seed);
        var direction = Directions.Random<float>(network.Layout, seed, 1);
        Directions.Normalize<float>(direction, theta, network.Layout, Normalization.Filter, ignoreBias: true);
        var line = new Surface(new Axis(-1, 1, 21), null, false, new Dictionary<string, string>());
        SurfaceComputation.Complete(line, train, null, theta, direction, null);
        var second = Directions.Random<float>(network.Layout, seed, 2);
        Directions.Normalize<float>(second, theta, network.Layout, Normalization.Filter, ignoreBias: true);
        var plane = new Surface(new Axis(-1, 1, 15), new Axis(-1, 1, 15), false, new Dictionary<string, string> { ["model"] = model, ["minimum"] = name });
        SurfaceComputation.Complete(plane, train, null, theta, direction, second);
        return new MinimumMeasures(name, train.Evaluate(theta).Accuracy, testObjective.Evaluate(theta).Accuracy, top.Values, trace.Value, trace.StandardError,
            Math.Sqrt(Math.Max(0, frobenius.Value)), Sharpness.LogBasinVolume(top.Values), line.TrainLoss, plane);
    }
}
