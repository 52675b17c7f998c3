using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;
using Basin.Trajectories;
using Basin.Training;
using Basin.Connectivity;

namespace Basin.Experiments;

/// <summary>The numbers of one Theory II run.</summary>
internal sealed record TheoryTwoResult(int Parameters, int Equations, double SgdTrainAccuracy, double GdTrainAccuracy, double OtherSeedTrainAccuracy,
    double[][] PerturbedTrainError, double WithinBasinBarrier, double AcrossBasinBarrier, double AcrossBasinDistance,
    Embedding Mds, int SgdCheckpoints, double[] PolynomialCoefficients, double PolynomialTrainAccuracy);

/// <summary>
/// Liao and Poggio, Theory II: an over-parametrized CNN (more parameters than equations n x classes) trained to zero
/// training error; perturbing the minimum by 0.01 x mean|w| and retraining by full-batch GD returns to zero error
/// (a flat, degenerate basin), straight lines between the retrained minima stay at zero loss while minima of
/// different seeds are separate; SGD and GD trajectories side by side by MDS; and the same net with ReLU replaced
/// by a least-squares polynomial reaches zero error too.
/// </summary>
internal sealed class TheoryTwo : Experiment
{
    public override string Name => "theory2";
    public override string Paper => "Liao and Poggio (2017), Theory II: Landscape of the Empirical Risk in Deep Learning";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
        [("degree", "degree of the polynomial that replaces ReLU", 4, 4, true)];

    protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p)
    {
        int degree = (int)p["degree"];
        int n = quick ? 100 : 1000, channels = quick ? 4 : 16;
        var t = Run(n, channels, quick ? 100 : 200, degree, directory, seed);
        Claim[] claims =
        [
            new("The CNN has more parameters than equations", $"{t.Parameters} parameters, {t.Equations} equations (examples x classes)", t.Parameters > t.Equations),
            new("SGD and full-batch GD reach zero training error", $"training accuracy {F(100 * t.SgdTrainAccuracy)} % (SGD), {F(100 * t.GdTrainAccuracy)} % (GD), {F(100 * t.OtherSeedTrainAccuracy)} % (SGD, other seed)",
                t.SgdTrainAccuracy == 1 && t.GdTrainAccuracy == 1 && t.OtherSeedTrainAccuracy == 1),
            new("After a 0.01 x mean|w| perturbation, GD retraining keeps zero training error", $"largest training error while retraining {F(100 * t.PerturbedTrainError.Max(e => e.Max()))} %",
                t.PerturbedTrainError.All(e => e.All(x => x == 0))),
            new("Within one basin straight lines between the retrained minima show no barrier", $"largest barrier {F(t.WithinBasinBarrier)}", t.WithinBasinBarrier <= 1e-3),
            new($"With ReLU replaced by its degree-{degree} least-squares polynomial the net still reaches zero training error", $"training accuracy {F(100 * t.PolynomialTrainAccuracy)} %",
                t.PolynomialTrainAccuracy == 1),
        ];
        var json = new JsonObject
        {
            ["title"] = "Theory II: degenerate zero-error minima of an over-parametrized CNN",
            ["paper"] = Paper,
            ["settings"] = new JsonObject { ["examples"] = n, ["channels"] = channels, ["degree"] = degree, ["seed"] = seed, ["quick"] = quick },
            ["claims"] = ExperimentResult.ClaimsJson(claims),
            ["across_basin_barrier"] = t.AcrossBasinBarrier, ["across_basin_distance"] = t.AcrossBasinDistance,
            ["polynomial"] = new JsonArray(t.PolynomialCoefficients.Select(c => (JsonNode)c).ToArray()),
        };
        Figure[] figures =
        [
            new("perturbed-train-error", "Training error while retraining after the perturbation", "epoch", "training error (%)")
                { Curves = t.PerturbedTrainError.Select((e, k) => ($"noise seed {k}", e.Select(x => 100 * x).ToArray())).ToList() },
            new("mds", $"SGD and GD trajectories by MDS (stress {t.Mds.Stress.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)})", "MDS 1", "MDS 2")
                { Paths = [("SGD", t.Mds.Points[..t.SgdCheckpoints]), ("full-batch GD", t.Mds.Points[t.SgdCheckpoints..])] },
        ];
        return new ExperimentResult(claims, json, figures)
        {
            Notes = [$"across basins (two seeds): distance {F(t.AcrossBasinDistance)}, straight-line barrier {F(t.AcrossBasinBarrier)}"],
        };
    }

    internal static TheoryTwoResult Run(int examples, int channels, int epochs, int degree, string workDir, ulong seed)
    {
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", n: examples);
        string Spec(string activation) => $"conv2d(1,{channels},3,padding=1),{activation},maxpool2d(2),flatten,linear({channels * 196},10)";
        var network = ModelSpec.Build<float>(Spec("relu"), train.InputShape);
        RunConfig Config(string activation, string optimizer, ulong s) => new()
        {
            Model = Spec(activation), Data = train.Name, Optimizer = optimizer, LearningRate = optimizer == "gd" ? 0.5 : 0.05,
            // Full-batch GD takes one step per epoch: give it ten times the epochs (it stops at zero error anyway).
            Momentum = optimizer == "gd" ? 0 : 0.9, Batch = 32, Epochs = optimizer == "gd" ? 10 * epochs : epochs, UntilZeroError = true, Seed = s,
            SaveEvery = optimizer == "gd" ? 10 : 1, Test = false,
        };
        RunDirectory Train(string name, RunConfig config) => TrainingRun.Ensure<float>(config, train, null, Path.Combine(workDir, name), 0);
        var sgd = Train("sgd", Config("relu", "sgd", seed));
        var gd = Train("gd", Config("relu", "gd", seed));
        var other = Train("sgd-other-seed", Config("relu", "sgd", seed + 1));
        var objective = new Objective.EmpiricalRisk<float>(network, train, "ce", 0, 500, 0);
        float[] Final(RunDirectory r) => SafeTensors.ReadTheta<float>(r.FinalPath, network.Layout);
        double Accuracy(RunDirectory r) => objective.Evaluate(Final(r)).Accuracy;

        var minimum = Final(sgd);
        var retrained = PerturbRetrain.Run(Config("relu", "gd", seed), train, null, minimum, network.Layout, 0.01, 3, Math.Max(2, epochs / 10), "gd", 0.1,
            Path.Combine(workDir, "perturb"), 0);
        var (_, within) = PerturbRetrain.Pairwise(objective, retrained.Select(r => r.Weights).ToList());
        var (acrossDistance, across) = PerturbRetrain.Pairwise(objective, [minimum, Final(other)]);
        double withinMax = 0;
        for (int i = 0; i < retrained.Count; i++) for (int j = 0; j < i; j++) withinMax = Math.Max(withinMax, within[i, j]);

        var points = new[] { sgd, gd }.SelectMany(r => r.Checkpoints().Select(s => SafeTensors.ReadTheta<double>(r.CheckpointPath(s), network.Layout))).ToList();
        var mds = Mds.Smacof(Mds.Distances(points));

        var coefficients = ReluPolynomial(degree, 3);
        var poly = Train("polynomial", Config($"poly({string.Join(",", coefficients.Select(c => c.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))})", "sgd", seed));
        var polyNet = ModelSpec.Build<float>(poly.ReadConfig().Model, train.InputShape);
        double polyAccuracy = new Objective.EmpiricalRisk<float>(polyNet, train, "ce", 0, 500, 0).Evaluate(SafeTensors.ReadTheta<float>(poly.FinalPath, polyNet.Layout)).Accuracy;

        return new TheoryTwoResult(network.ParameterCount, examples * 10, Accuracy(sgd), Accuracy(gd), Accuracy(other),
            retrained.Select(r => r.Rows.Select(row => 1 - row.TrainAccuracy).ToArray()).ToArray(), withinMax, across[0, 1], acrossDistance[0, 1],
            mds, sgd.Checkpoints().Count, coefficients, polyAccuracy);
    }

    /// <summary>Least-squares polynomial of the given degree to max(z, 0) on [-range, range] (201 points).</summary>
    internal static double[] ReluPolynomial(int degree, double range)
    {
        var z = Enumerable.Range(0, 201).Select(i => -range + 2 * range * i / 200).ToArray();
        return MathNet.Numerics.Fit.Polynomial(z, z.Select(v => Math.Max(v, 0)).ToArray(), degree);
    }
}
