using System.Text.Json.Nodes;
using Basin.Training;
using Basin.Curvature;
using Basin.Landscape;
using Basin.Models;

namespace Basin.Experiments;

/// <summary>
/// Keskar et al. (2017), Dinh et al. (2017), Huszar's essay, Li et al. (2018): small- and large-batch minima over seeds,
/// trained to a stated loss. Claims: the large-batch minimum is sharper and generalizes worse (control: two small-batch
/// minima of different seeds); raw sharpness does not decide, since alpha-rescaling, which leaves the function unchanged,
/// makes the small-batch minimum sharper than the large-batch one (control: the filter-normalized curvature of the same
/// rescaled minimum, which does not move). Reported: Keskar's interpolation, the alpha sweep, Huszar's flatness ratio,
/// gradient disagreement against the generalization gap, every sharpness measure before and after rescaling.
/// </summary>
internal sealed class FlatnessReparam : Experiment
{
    public override string Name => "flatness-reparam";
    public override string Paper => "Keskar et al. (2017), On Large-Batch Training; Dinh, Pascanu, Bengio and Bengio (2017), Sharp Minima Can Generalize for Deep Nets; Huszar's essay";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("seeds", "seeds of each batch size's minimum", 2, 5, true),
        ("n", "training images (the first of the data set); the large batch is a tenth of them", 500, 2000, true),
        ("alpha", "the rescaling factor of the checks and the measures table", 5, 5, false),
    ];

    /// <summary>Eight 32-example minibatches, gradient disagreement's pairs and a large batch of a tenth need 500 images.</summary>
    protected override double Smallest(string parameter) => parameter == "n" ? 500 : base.Smallest(parameter);

    public override bool TakesData => true;

    public override bool TakesModel => true;

    static readonly double[] Alphas = [0.1, 0.3, 1, 3, 10];

    internal override bool Trains => true;

    static FlatnessReparamRuns Runs(string directory, bool quick, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs) =>
        new(inputs, quick ? 32 : 100, (int)p["n"], directory);

    private protected override IEnumerable<TrainingTask> Trainings(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p,
        ExperimentInputs inputs)
    {
        var runs = Runs(directory, quick, p, inputs);
        return Enumerable.Range(0, (int)p["seeds"]).SelectMany(k => new[] { runs.Run(runs.SmallBatch, seed + (ulong)k), runs.Run(runs.LargeBatch, seed + (ulong)k) });
    }

    private protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int seeds = (int)p["seeds"];
        double alpha = p["alpha"];
        var runs = Runs(directory, quick, p, inputs);
        var network = runs.Net();
        var pair = Reparametrization.FindPair(network)
            ?? throw new BasinException("{model}", $"{runs.Model} has no pair of layers to rescale", "Dinh et al.'s rescaling needs two linear (or convolution) layers joined by a ReLU");
        var small = Enumerable.Range(0, seeds).Select(k => runs.Minimum(runs.SmallBatch, seed + (ulong)k)).ToArray();
        var large = Enumerable.Range(0, seeds).Select(k => runs.Minimum(runs.LargeBatch, seed + (ulong)k)).ToArray();
        bool converged = small.Concat(large).All(m => m.Converged);
        var f = runs.TrainRisk;
        // The alpha sweep of every small-batch minimum: raw top eigenvalue and filter-normalized curvature of the rescaled weights.
        var sweep = small.Select(m => Alphas.Select(a =>
        {
            if (a == 1) return (Raw: m.TopEigenvalue, Filter: m.FilterCurvature, Loss: m.TrainLoss); // the minimum itself, measured already
            var scaled = Reparametrization.Rescale<double>(network, m.Theta, pair, a);
            return (Raw: FlatnessReparamRuns.TopEigenvalue(f, scaled, m.Seed), Filter: runs.FilterCurvature(f, scaled, m.Seed), Loss: f.Evaluate(scaled).Loss);
        }).ToArray()).ToArray();

        Claim[] claims =
        [
            Keskar("Large-batch minima are sharper (top Hessian eigenvalue of the training loss)", "top eigenvalue", small, large, m => m.TopEigenvalue, largeLarger: true, converged),
            Keskar("Large-batch minima generalize worse (test accuracy)", "test accuracy", small, large, m => m.TestAccuracy, largeLarger: false, converged),
            Dinh(small, large, sweep),
        ];
        var measures = new[] { small[0], large[0] }.Select(m => Table(runs, network, pair, m, alpha)).ToArray();
        double lossChange = sweep.SelectMany((row, k) => row.Select(x => Relative(x.Loss, small[k].TrainLoss))).Max();
        double filterChange = sweep.SelectMany((row, k) => row.Select(x => Relative(x.Filter, small[k].FilterCurvature))).Max();
        double asamChange = measures.Max(m => m.Single(x => x.Measure.StartsWith("ASAM", StringComparison.Ordinal)) is var x ? Relative(x.After, x.Before) : 0);
        Claim[] checks =
        [
            new($"Alpha-rescaling (alpha in {string.Join(", ", Alphas.Select(F))}) leaves the function and the training loss unchanged", $"largest relative loss change {F(lossChange)}", lossChange < 1e-9),
            new("The curvature along filter-normalized directions does not change under it", $"largest relative change {F(filterChange)}", filterChange < 1e-6),
            new($"Adaptive sharpness (ASAM) with eta = 0 does not change under alpha = {F(alpha)}", $"largest relative change {F(asamChange)}", asamChange < 1e-6),
        ];
        var all = small.Concat(large).ToArray();
        var json = new JsonObject
        {
            ["title"] = "Flatness: small- and large-batch minima, and sharpness under reparametrization",
            ["paper"] = Paper,
            ["settings"] = new JsonObject
            {
                ["model"] = runs.Model, ["examples"] = runs.Train.Count, ["small_batch"] = runs.SmallBatch, ["large_batch"] = runs.LargeBatch,
                ["optimizer"] = "adam lr 1e-3 (both)", ["target_loss"] = FlatnessReparamRuns.TargetLoss, ["seeds"] = seeds, ["alphas"] = JsonValues.Exact(Alphas),
                ["alpha"] = alpha, ["seed"] = seed, ["quick"] = quick,
            },
            ["minima"] = new JsonArray(all.Select(m => (JsonNode)new JsonObject
            {
                ["batch"] = m.Batch, ["seed"] = m.Seed, ["train_loss"] = m.TrainLoss, ["train_accuracy"] = m.TrainAccuracy, ["test_accuracy"] = m.TestAccuracy,
                ["converged"] = m.Converged, ["top_eigenvalue"] = m.TopEigenvalue, ["trace"] = m.Trace, ["trace_stderr"] = m.TraceStandardError,
                ["filter_curvature"] = m.FilterCurvature, ["gradient_disagreement"] = m.Disagreement, ["huszar_ratio"] = m.HuszarRatio,
            }).ToArray()),
            ["measures"] = new JsonArray(measures.Select((table, i) => (JsonNode)new JsonObject
            {
                ["batch"] = i == 0 ? runs.SmallBatch : runs.LargeBatch,
                ["measures"] = new JsonArray(table.Select(x => (JsonNode)new JsonObject { ["measure"] = x.Measure, ["before"] = x.Before, ["after"] = x.After }).ToArray()),
            }).ToArray()),
        };
        string Named(FlatMinimum m) => m.Batch == runs.SmallBatch ? "small batch" : "large batch";
        return new ExperimentResult(claims, json, Figures(runs, small, large, sweep)) { Checks = checks,
            Summary = [$"{runs.Model} on {runs.Train.Count} images, Adam lr 1e-3, batch {runs.SmallBatch} and {runs.LargeBatch}, trained to loss <= {F(FlatnessReparamRuns.TargetLoss)}: " +
                $"{all.Count(m => m.Converged)}/{all.Length} reached it"],
            Notes =
            [
                .. all.Select(m => $"{Named(m)}, seed {m.Seed}: test accuracy {F(100 * m.TestAccuracy)} %, gap {F(100 * m.Gap)} %, top eigenvalue {F(m.TopEigenvalue)}, " +
                    $"trace {F(m.Trace)} +- {F(m.TraceStandardError)} (Hutchinson, 30 probes), filter-normalized curvature {F(m.FilterCurvature)}"),
                $"Huszar's flatness ratio (mean top eigenvalue of 32-example minibatch losses / that of the mean loss): small batch {Statistics.Text(small.Select(m => m.HuszarRatio).ToArray())}, " +
                    $"large batch {Statistics.Text(large.Select(m => m.HuszarRatio).ToArray())}",
                $"gradient disagreement against the generalization gap over the {all.Length} minima: Spearman rank correlation {F(MathNet.Numerics.Statistics.Correlation.Spearman(all.Select(m => m.Disagreement), all.Select(m => m.Gap)))}",
                .. measures.Select((table, i) => $"{(i == 0 ? "small" : "large")} batch, seed {seed}, before -> after alpha = {F(alpha)}: " +
                    string.Join("; ", table.Select(x => $"{x.Measure} {F(x.Before)} -> {F(x.After)}"))),
            ],
        };
    }

    /// <summary>A measure of the large-batch minimum against the small-batch one of the same seed; the control pairs two small-batch minima of different seeds.</summary>
    internal static Claim Keskar(string statement, string what, FlatMinimum[] small, FlatMinimum[] large, Func<FlatMinimum, double> measure, bool largeLarger, bool converged)
    {
        double Difference(FlatMinimum s, FlatMinimum l) => largeLarger ? measure(l) - measure(s) : measure(s) - measure(l);
        var seeds = small.Select((s, k) => Difference(s, large[k])).ToArray();
        var control = small.Select((s, k) => Difference(small[(k + 1) % small.Length], s)).ToArray();
        var interval = Statistics.Interval(seeds);
        return new Claim(statement, $"{what}: small batch {Statistics.Text(small.Select(measure).ToArray())}, large batch {Statistics.Text(large.Select(measure).ToArray())}; " +
            $"difference interval {Statistics.Text(interval)}", converged ? Statistics.Positive(interval) : Verdict.Inconclusive)
        {
            Rule = $"holds if the 95 % interval of the paired difference ({(largeLarger ? "large - small" : "small - large")}) lies above 0 (inconclusive if a run missed the target loss)",
            Control = ("two small-batch minima of different seeds", $"difference interval {Statistics.Text(Statistics.Interval(control))}"),
            Seeds = seeds, ControlSeeds = control,
        };
    }

    /// <summary>
    /// Dinh et al.: some alpha-rescaling of each small-batch minimum, the same function, is sharper by the raw top eigenvalue
    /// than the large-batch minimum of its seed; the filter-normalized curvature of the same rescaled weights does not move.
    /// </summary>
    internal static Claim Dinh(FlatMinimum[] small, FlatMinimum[] large, (double Raw, double Filter, double Loss)[][] sweep)
    {
        var raw = sweep.Select((row, k) => row.Max(x => x.Raw) / large[k].TopEigenvalue).ToArray();
        var filter = sweep.Select((row, k) => row.Max(x => x.Filter) / large[k].FilterCurvature).ToArray();
        var unrescaled = small.Select((m, k) => m.FilterCurvature / large[k].FilterCurvature).ToArray();
        return new Claim("Sharpness can be changed without changing the function: an alpha-rescaled small-batch minimum is sharper (raw top eigenvalue) than the large-batch one",
            $"largest raw top eigenvalue over alpha in {string.Join(", ", Alphas.Select(F))} / the large-batch minimum's: {Statistics.Text(raw)}", raw.All(r => r > 1) ? Verdict.Holds : Verdict.Fails)
        {
            Rule = "holds if for every seed some alpha makes the ratio exceed 1",
            Control = ("the filter-normalized curvature of the same rescaled weights, which Li et al. normalize against this",
                $"largest ratio over alpha {Statistics.Text(filter)}, unrescaled {Statistics.Text(unrescaled)}"),
            Seeds = raw, ControlSeeds = filter,
        };
    }

    static List<(string Measure, double Before, double After)> Table(FlatnessReparamRuns runs, Engine.Network<double> network, (int, int) pair, FlatMinimum m, double alpha)
    {
        var f = runs.TrainRisk;
        var scaled = Reparametrization.Rescale<double>(network, m.Theta, pair, alpha);
        var table = new List<(string, double, double)>();
        void Add(string name, Func<double[], double> measure) => table.Add((name, measure(m.Theta), measure(scaled)));
        Add("epsilon-sharpness (eps 1e-3)", w => Sharpness.EpsilonSharpness(f, w, 1e-3));
        Add("SAM rho-sharpness (rho 0.05)", w => Sharpness.RhoSharpness(f, w, 0.05));
        Add("ASAM adaptive sharpness (rho 0.5, eta 0)", w => Sharpness.AdaptiveSharpness(f, w, 0.5, 0));
        Add("top Hessian eigenvalue", w => FlatnessReparamRuns.TopEigenvalue(f, w, m.Seed));
        Add("empirical Fisher trace", w => new FisherOperator<double>(f, w).Trace());
        Add("PAC-Bayes sigma (error +0.1)", w => Sharpness.PacBayesSigma(f, w, m.Seed));
        Add("log basin volume (top 5)", w => Sharpness.LogBasinVolume(Spectrum.Top(new HessianOperator<double>(f, w), new LanczosOptions(5), m.Seed).Values));
        return table;
    }

    static Figure[] Figures(FlatnessReparamRuns runs, FlatMinimum[] small, FlatMinimum[] large, (double Raw, double Filter, double Loss)[][] sweep)
    {
        var t = Enumerable.Range(0, 41).Select(i => -0.5 + i / 20.0).ToArray();
        var (train, test) = runs.Line(small[0].Theta, large[0].Theta, t);
        var logAlpha = Alphas.Select(Math.Log10).ToArray();
        return
        [
            new("interpolation", "Keskar's figure: loss on (1 - t) small-batch + t large-batch minimum (seed 0)", "t", "cross-entropy loss")
                { X = t, Curves = [("training", train), ("test", test)] },
            new("alpha-sweep", "Raw vs filter-normalized sharpness of the alpha-rescaled small-batch minimum (seed 0)", "log10 alpha", "log10 sharpness")
            {
                X = logAlpha,
                Curves = [("raw top eigenvalue, rescaled small batch", sweep[0].Select(x => Math.Log10(x.Raw)).ToArray()),
                    ("raw top eigenvalue, large batch", logAlpha.Select(_ => Math.Log10(large[0].TopEigenvalue)).ToArray()),
                    ("filter-normalized curvature, rescaled small batch", sweep[0].Select(x => Math.Log10(x.Filter)).ToArray()),
                    ("filter-normalized curvature, large batch", logAlpha.Select(_ => Math.Log10(large[0].FilterCurvature)).ToArray())],
            },
            new("disagreement-gap", "Gradient disagreement against the generalization gap, every minimum", "gradient disagreement", "generalization gap (%)")
            {
                Paths = [("small batch", small.OrderBy(m => m.Disagreement).Select(m => new[] { m.Disagreement, 100 * m.Gap }).ToArray()),
                    ("large batch", large.OrderBy(m => m.Disagreement).Select(m => new[] { m.Disagreement, 100 * m.Gap }).ToArray())],
            },
        ];
    }

    static double Relative(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-300);
}
