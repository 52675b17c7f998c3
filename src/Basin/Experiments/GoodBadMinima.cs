using System.Text.Json.Nodes;
using Basin.Training;
using Basin.Models;
using Basin.Tensors;

namespace Basin.Experiments;

/// <summary>
/// Wu, Zhu and E (2017). A bad minimum is trained on the clean set plus an attack set of images with random labels until
/// every one of them is classified correctly, a good one on the clean set alone to the same clean loss (verified); over seeds and attack-set sizes, where size 0 (two
/// good minima of different seeds) is the control. Claims: the bad minimum generalizes worse, is sharper (Hessian
/// trace), and has a smaller basin, by the paper's Hessian log-volume and by a sampling radius that should order the
/// minima the same way; and good minima have far larger basins of attraction: training on the clean set from random
/// initializations reaches good minima, while the control, starts next to a bad minimum, stays bad.
/// </summary>
internal sealed class GoodBadMinima : Experiment
{
    public override string Name => "good-bad-minima";
    public override string Paper => "Wu, Zhu and E (2017), Towards Understanding Generalization of Deep Learning: Perspective of Loss Landscapes";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("seeds", "seeds of each pair of minima", 2, 5, true),
        ("n", "clean training images (the first of the data set; the attack images are the next ones)", 200, 500, true),
        ("hidden", "hidden units of the MLP", 32, 64, true),
        ("starts", "initializations of the basin-of-attraction test (each arm)", 2, 8, true),
    ];

    /// <summary>The basins-of-attraction comparison needs two starts for its interval.</summary>
    protected override double Smallest(string parameter) => parameter == "starts" ? 2 : base.Smallest(parameter);

    static readonly int[] QuickAttacks = [0, 200], FullAttacks = [0, 250, 500];

    public override bool TakesData => true;

    public override bool TakesModel => true;

    internal override bool Trains => true;

    /// <summary>
    /// In rounds: the bad minima; the good ones, each to its bad one's clean loss; the random starts, to the highest clean
    /// loss of the last attack's good minima. The starts next to a bad minimum are trained where they are measured.
    /// </summary>
    private protected override IEnumerable<TrainingTask> Trainings(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p,
        ExperimentInputs inputs)
    {
        int seeds = (int)p["seeds"];
        var runs = new GoodBadMinimaRuns(inputs, (int)p["hidden"], (int)p["n"], directory);
        var attacks = quick ? QuickAttacks : FullAttacks;
        var last = new List<TrainingTask>();
        foreach (int attack in attacks)
            for (int k = 0; k < seeds; k++)
            {
                var bad = runs.Bad(attack, seed + (ulong)k);
                yield return bad;
                if (!bad.Finished) continue;
                var good = runs.Good(attack, seed + (ulong)k, runs.CleanLoss(bad));
                yield return good;
                if (attack == attacks[^1]) last.Add(good);
            }
        if (last.Count < seeds || !last.All(g => g.Finished)) yield break;
        double target = last.Max(runs.CleanLoss);
        for (int k = 0; k < (int)p["starts"]; k++) yield return runs.RandomStart(k, seed, target);
    }

    private protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int seeds = (int)p["seeds"], starts = (int)p["starts"];
        var runs = new GoodBadMinimaRuns(inputs, (int)p["hidden"], (int)p["n"], directory);
        var attacks = quick ? QuickAttacks : FullAttacks;
        var pairs = attacks.Select(a => Enumerable.Range(0, seeds).Select(k => runs.Pair(a, seed + (ulong)k)).ToArray()).ToArray();
        var attacked = pairs.Skip(1).SelectMany(row => row).ToArray();
        var control = pairs[0];
        bool sound = pairs.All(row => row.All(x => x.EqualLoss && x.Bad.Converged));

        var attraction = Attraction(runs, pairs[^1], starts, seed);
        var claims = new[]
        {
            Generalization(attacked, control, sound),
            Compare(attacked, control, sound, "The attack-set minimum is sharper: a larger Hessian trace on the clean set", "Hessian trace", m => m.Trace, badLarger: true,
                "holds if the 95 % interval of the paired difference (bad - good) lies above 0"),
            Compare(attacked, control, sound, $"... and a smaller basin by the Hessian: log-volume -1/2 sum log lambda_i of the {GoodBadMinimaRuns.Leading} leading eigenvalues", "log-volume",
                m => m.LogVolume(GoodBadMinimaRuns.Leading), badLarger: false, "holds if the 95 % interval of the paired difference (good - bad) lies above 0"),
            Compare(attacked, control, sound, $"... and a smaller basin by sampling: the radius at which random directions raise the clean loss by {GoodBadMinimaRuns.RadiusLoss}", "radius",
                m => m.SamplingRadius, badLarger: false, "holds if the 95 % interval of the paired difference (good - bad) lies above 0"),
            attraction,
        };
        var json = new JsonObject
        {
            ["title"] = "Good and bad minima: an attack set of random labels",
            ["paper"] = Paper,
            ["settings"] = new JsonObject
            {
                ["model"] = runs.Model, ["clean"] = runs.Clean.Count, ["attacks"] = new JsonArray(attacks.Select(a => (JsonNode)a).ToArray()), ["seeds"] = seeds,
                ["starts"] = starts, ["radius_loss"] = GoodBadMinimaRuns.RadiusLoss, ["seed"] = seed, ["quick"] = quick,
            },
            ["pairs"] = new JsonArray(pairs.SelectMany(row => row).Select(x => (JsonNode)new JsonObject
            {
                ["attack"] = x.Attack, ["equal_loss"] = x.EqualLoss, ["good"] = MeasuresJson(x.Good), ["bad"] = MeasuresJson(x.Bad),
            }).ToArray()),
        };
        var first = pairs[^1][0];
        Figure[] figures =
        [
            new("line", "Clean training loss along a filter-normalized random direction (seed 0, largest attack set)", "x", "loss")
                { Curves = [("good", first.Good.LineLoss), ("bad", first.Bad.LineLoss)], X = Enumerable.Range(0, 21).Select(i => -1 + i / 10.0).ToArray() },
            new("attack-test-accuracy", "Test accuracy by attack-set size (mean over seeds)", "attack-set size", "test accuracy (%)")
            {
                X = attacks.Select(a => (double)a).ToArray(),
                Curves = [("good", pairs.Select(row => 100 * row.Average(x => x.Good.TestAccuracy)).ToArray()), ("bad", pairs.Select(row => 100 * row.Average(x => x.Bad.TestAccuracy)).ToArray())],
            },
            new("attack-trace", "Hessian trace on the clean set by attack-set size (mean over seeds)", "attack-set size", "trace")
            {
                X = attacks.Select(a => (double)a).ToArray(),
                Curves = [("good", pairs.Select(row => row.Average(x => x.Good.Trace)).ToArray()), ("bad", pairs.Select(row => row.Average(x => x.Bad.Trace)).ToArray())],
            },
            new("density", "Hessian spectral density on the clean set (SLQ, seed 0, largest attack set)", "eigenvalue", "density")
            {
                Curves = [("good", first.Good.Density.Sample(200).Density), ("bad", first.Bad.Density.Sample(200).Density)],
                X = first.Good.Density.Sample(200).Grid,
            },
        ];
        return new ExperimentResult(claims, json, figures)
        {
            Notes = [$"log-volume's sensitivity to the number k of leading eigenvalues (interval of good - bad over the attacked pairs): " +
                string.Join(", ", new[] { 1, 3, 5, 10 }.Select(k => $"k = {k}: {Statistics.Text(Statistics.Interval(attacked.Select(x => x.Good.LogVolume(k) - x.Bad.LogVolume(k)).ToArray()))}")),
                $"SLQ share of eigenvalues within 1e-3 of the largest from zero: good {Statistics.Text(attacked.Select(x => x.Good.NearZeroFraction).ToArray())}, " +
                $"bad {Statistics.Text(attacked.Select(x => x.Bad.NearZeroFraction).ToArray())}"],
        };
    }

    /// <summary>
    /// A measure compared between the bad and good minima of every attack set, paired by seed and size, beside the control
    /// (attack set 0); inconclusive unless every pair is sound (equal clean loss, bad minima at their criterion).
    /// </summary>
    internal static Claim Compare(MinimumPair[] attacked, MinimumPair[] control, bool sound, string statement, string what, Func<MinimumMeasures, double> measure,
        bool badLarger, string rule)
    {
        double[] Difference(MinimumPair[] row) => row.Select(x => badLarger ? measure(x.Bad) - measure(x.Good) : measure(x.Good) - measure(x.Bad)).ToArray();
        var interval = Statistics.Interval(Difference(attacked));
        var controlInterval = Statistics.Interval(Difference(control));
        return new Claim(statement,
            $"{what} with attack sets of {string.Join(" and ", attacked.Select(x => x.Attack).Distinct())}: good {Statistics.Text(attacked.Select(x => measure(x.Good)).ToArray())}, " +
            $"bad {Statistics.Text(attacked.Select(x => measure(x.Bad)).ToArray())}; " +
            $"difference interval {Statistics.Text(interval)}", sound ? Statistics.Positive(interval) : Verdict.Inconclusive)
        {
            Rule = rule + " (inconclusive unless every pair is at equal clean loss, the good one within 15 % below the bad one, and every bad minimum met its stopping criterion)",
            Control = ("attack set 0: two good minima of different seeds",
                $"{Statistics.Text(control.Select(x => measure(x.Good)).ToArray())} and {Statistics.Text(control.Select(x => measure(x.Bad)).ToArray())}; difference interval {Statistics.Text(controlInterval)}"),
            Seeds = Difference(attacked), ControlSeeds = Difference(control),
        };
    }

    /// <summary>The first claim: the bad minimum's test accuracy is lower.</summary>
    internal static Claim Generalization(MinimumPair[] attacked, MinimumPair[] control, bool sound) =>
        Compare(attacked, control, sound, "The attack-set minimum generalizes worse", "test accuracy", m => m.TestAccuracy, badLarger: false,
            "holds if the 95 % interval of the paired difference (good - bad) lies above 0");

    /// <summary>
    /// The paper's explanation: starts drawn at random reach good minima when trained on the clean set; the control, starts
    /// next to a bad minimum (its weights plus 1 % noise), trained the same way, stay bad. A start counts as reaching a bad
    /// minimum when its test accuracy is nearer the bad minima's mean than the good ones'.
    /// </summary>
    internal static Claim Attraction(GoodBadMinimaRuns runs, MinimumPair[] pairs, int starts, ulong seed)
    {
        double good = pairs.Average(x => x.Good.TestAccuracy), bad = pairs.Average(x => x.Bad.TestAccuracy), threshold = 0.5 * (good + bad);
        double target = pairs.Max(x => x.Good.CleanLoss);
        var random = Enumerable.Range(0, starts).Select(k => runs.TestAccuracy(runs.RandomStart(k, seed, target))).ToArray();
        var near = Enumerable.Range(0, starts).Select(k =>
        {
            var b = pairs[k % pairs.Length].BadTheta;
            double scale = 0.01 * b.Average(w => Math.Abs(w));
            var rng = new Rng(seed + (ulong)k, 0x0EA7);
            return runs.TestAccuracy(runs.NearStart(k, seed, target, b.Select(w => w + (float)(scale * rng.NextGaussian())).ToArray()));
        }).ToArray();
        double[] reachedBad = random.Select(a => a < threshold ? 1.0 : 0).ToArray(), controlBad = near.Select(a => a < threshold ? 1.0 : 0).ToArray();
        var interval = Statistics.Interval(Statistics.Differences(controlBad, reachedBad));
        return new Claim("Good minima have the larger basins of attraction: training on the clean set from random starts reaches good minima",
            $"random starts reaching a bad minimum (test accuracy below {F(100 * threshold)} %): {reachedBad.Sum()}/{starts}, test accuracy {Statistics.Text(random.Select(a => 100 * a).ToArray())} %",
            Statistics.Positive(interval))
        {
            Rule = "holds if the 95 % interval of the difference in the share reaching a bad minimum (control - random starts, paired by start) lies above 0",
            Control = ("starts next to a bad minimum (its weights plus 1 % noise), trained the same way",
                $"{controlBad.Sum()}/{starts} stay bad, test accuracy {Statistics.Text(near.Select(a => 100 * a).ToArray())} %; difference interval {Statistics.Text(interval)}"),
            Seeds = reachedBad, ControlSeeds = controlBad,
        };
    }

    static JsonObject MeasuresJson(MinimumMeasures m) => new()
    {
        ["clean_loss"] = m.CleanLoss, ["train_error"] = m.TrainError, ["test_accuracy"] = m.TestAccuracy, ["converged"] = m.Converged, ["trace"] = m.Trace,
        ["trace_stderr"] = m.TraceStandardError, ["top_eigenvalues"] = JsonValues.Exact(m.TopEigenvalues), ["log_volume"] = m.LogVolume(GoodBadMinimaRuns.Leading),
        ["sampling_radius"] = m.SamplingRadius, ["near_zero_fraction"] = m.NearZeroFraction,
    };
}
