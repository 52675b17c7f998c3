using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>Measures of one minimum, before and after Dinh et al.'s alpha-rescaling.</summary>
internal sealed record ReparamMeasures(string Name, int Batch, double TrainAccuracy, double TestAccuracy, double GeneralizationGap,
    IReadOnlyList<(string Measure, double Before, double After)> Measures, double[] FilterCurveBefore, double[] FilterCurveAfter, double LossBefore, double LossAfter);

/// <summary>
/// Dinh et al. (2017), Huszar's essay, Keskar et al. (2017): small- and large-batch minima, every sharpness measure
/// before and after the alpha-rescaling that leaves the function unchanged, filter-normalized curves (unchanged by
/// construction), and the gradient-disagreement measure next to the generalization gap.
/// </summary>
internal sealed class FlatnessReparam : Experiment
{
    public override string Name => "flatness-reparam";
    public override string Paper => "Dinh, Pascanu, Bengio and Bengio (2017), Sharp Minima Can Generalize for Deep Nets; Huszar's essay; Keskar et al. (2017)";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
        [("alpha", "the rescaling factor", 5, 5, false)];

    protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p)
    {
        double alpha = p["alpha"];
        string model = quick ? "linear(784,32),relu,linear(32,10)" : "mlp:784-100-10";
        int n = quick ? 300 : 2000;
        var results = Run(model, n, quick ? 15 : 40, [16, n], alpha, directory, seed);
        static double Rel(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-300);
        double lossChange = results.Max(m => Rel(m.LossBefore, m.LossAfter));
        double curveChange = results.Max(m => m.FilterCurveBefore.Zip(m.FilterCurveAfter, Rel).Max());
        var raw = new[] { "epsilon-sharpness (eps 1e-3)", "Hessian trace (Hutchinson)", "top Hessian eigenvalue" };
        double rawChange = results.Min(m => m.Measures.Where(x => raw.Contains(x.Measure)).Min(x => Rel(x.Before, x.After)));
        double asamChange = results.Max(m => m.Measures.Where(x => x.Measure.StartsWith("ASAM", StringComparison.Ordinal)).Max(x => Rel(x.Before, x.After)));
        Claim[] claims =
        [
            new($"Alpha-rescaling (alpha = {alpha.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}) leaves the function and the loss unchanged", $"largest relative loss change {F(lossChange)}", lossChange < 1e-9),
            new("Raw sharpness (epsilon-sharpness, Hessian trace, top eigenvalue) changes under it", $"smallest relative change {F(rawChange)}", rawChange > 0.01),
            new("Filter-normalized plots do not change", $"largest relative difference along the curves {F(curveChange)}", curveChange < 1e-8),
            new("Adaptive sharpness with eta = 0 does not change", $"largest relative change {F(asamChange)}", asamChange < 1e-6),
        ];
        var observations = results.Select(m => (JsonNode)new JsonObject
        {
            ["minimum"] = m.Name, ["train_accuracy"] = m.TrainAccuracy, ["test_accuracy"] = m.TestAccuracy, ["generalization_gap"] = m.GeneralizationGap,
            ["measures"] = new JsonArray(m.Measures.Select(x => (JsonNode)new JsonObject { ["measure"] = x.Measure, ["before"] = x.Before, ["after"] = x.After }).ToArray()),
        }).ToArray();
        var json = new JsonObject
        {
            ["title"] = "Flatness under reparametrization: small- and large-batch minima",
            ["paper"] = Paper,
            ["settings"] = new JsonObject { ["model"] = model, ["n"] = n, ["batches"] = $"16, {n}", ["alpha"] = alpha, ["seed"] = seed, ["quick"] = quick },
            ["claims"] = ExperimentResult.ClaimsJson(claims),
            ["minima"] = new JsonArray(observations),
        };
        Figure[] figures =
        [
            new("filter-normalized", "Filter-normalized curves before and after alpha-rescaling (they coincide)", "x index (-1 ... 1)", "loss")
                { Curves = results.SelectMany(m => new[] { ($"{m.Name}", m.FilterCurveBefore), ($"{m.Name}, rescaled", m.FilterCurveAfter) }).ToList() },
        ];
        return new ExperimentResult(claims, json, figures)
        {
            Summary = results.Select(m => $"{m.Name}: test accuracy {F(100 * m.TestAccuracy)} %, gap {F(100 * m.GeneralizationGap)} %; " +
                string.Join("; ", m.Measures.Select(x => $"{x.Measure} {F(x.Before)} -> {F(x.After)}"))).ToList(),
        };
    }

    internal static IReadOnlyList<ReparamMeasures> Run(string model, int n, int epochs, int[] batches, double alpha, string workDir, ulong seed)
    {
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", n: n);
        var test = DataCatalog.Load(DataCatalog.Embedded, "test");
        var results = new List<ReparamMeasures>();
        foreach (int batch in batches)
        {
            var config = new RunConfig { Model = model, Data = train.Name, DType = "float64", Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9, Batch = batch, Epochs = epochs, Seed = seed, SaveEvery = 0, Test = false };
            var run = TrainingRun.Ensure<double>(config, train, null, Path.Combine(workDir, $"batch-{batch}"), 0);
            var network = ModelSpec.Build<double>(model, train.InputShape);
            var theta = SafeTensors.ReadTheta<double>(run.FinalPath, network.Layout);
            var f = new Objective.EmpiricalRisk<double>(network, train, "ce", 0, 500, 0);
            var pair = Reparametrization.FindPair(network) ?? throw new BasinException("model", "no pair of layers to rescale");
            var scaled = Reparametrization.Rescale<double>(network, theta, pair, alpha);
            var measures = new List<(string, double, double)>();
            void Add(string name, Func<double[], double> measure) => measures.Add((name, measure(theta), measure(scaled)));
            Add("epsilon-sharpness (eps 1e-3)", w => Sharpness.EpsilonSharpness(f, w, 1e-3));
            Add("SAM rho-sharpness (rho 0.05)", w => Sharpness.RhoSharpness(f, w, 0.05));
            Add("ASAM adaptive sharpness (rho 0.5, eta 0)", w => Sharpness.AdaptiveSharpness(f, w, 0.5, 0));
            Add("Hessian trace (Hutchinson)", w => Trace.Hutchinson(new HessianOperator<double>(f, w), new ProbeOptions { MaxProbes = 50, RelativeTolerance = 0 }, seed).Value);
            Add("top Hessian eigenvalue", w => Spectrum.Top(new HessianOperator<double>(f, w), new LanczosOptions(1), seed).Values[0]);
            Add("empirical Fisher trace", w => new FisherOperator<double>(f, w).Trace());
            Add("gradient disagreement (batch 32)", w => Sharpness.GradientDisagreement(f, w, Math.Min(32, n / 2), 10, seed));
            Add("PAC-Bayes sigma (error +0.1)", w => Sharpness.PacBayesSigma(f, w, seed));
            Add("log basin volume (top 5)", w => Sharpness.LogBasinVolume(Spectrum.Top(new HessianOperator<double>(f, w), new LanczosOptions(5), seed).Values));
            var testObjective = new Objective.EmpiricalRisk<double>(network, test, "ce", 0, 500, 0);
            var e = f.Evaluate(theta);
            double testAccuracy = testObjective.Evaluate(theta).Accuracy;
            results.Add(new ReparamMeasures($"batch {batch}", batch, e.Accuracy, testAccuracy, e.Accuracy - testAccuracy, measures,
                FilterCurve(f, theta, seed), FilterCurve(f, scaled, seed), e.Loss, f.Evaluate(scaled).Loss));
        }
        return results;
    }

    /// <summary>Loss along one filter-normalized random direction (the same seed before and after rescaling).</summary>
    static double[] FilterCurve(Objective.EmpiricalRisk<double> f, double[] theta, ulong seed)
    {
        var d = Directions.Random<double>(f.Network.Layout, seed, 1);
        Directions.Normalize<double>(d, theta, f.Network.Layout, Normalization.Filter, ignoreBias: true);
        var line = new Surface(new Axis(-1, 1, 21), null, false, new Dictionary<string, string>());
        SurfaceComputation.Complete(line, f, null, theta, d, null);
        return line.TrainLoss;
    }
}
