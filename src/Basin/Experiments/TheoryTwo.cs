using System.Text.Json.Nodes;
using Basin.Training;
using Basin.Models;
using Basin.Trajectories;

namespace Basin.Experiments;

/// <summary>
/// Liao and Poggio, Theory II. An over-parametrized CNN trained over seeds to a stated loss with zero training error
/// (verified where training stops), by SGD and by full-batch GD, then: a perturbation-scale sweep, each perturbation retrained by full-batch
/// GD (claim: retraining returns to zero error; control: the perturbed weights without retraining); straight lines
/// between a minimum and its retrained perturbation against lines between minima of different seeds (claim: no barrier
/// within a basin; control: across basins); the degeneracy count on a small polynomial net whose Hessian is written
/// out (claim: at least P - N x C zero eigenvalues at a zero-loss minimum; control: the same net too narrow to fit, P
/// &lt; N x C); the perturbation tree embedded by MDS as the paper draws it; SGD against GD minima and the polynomial net
/// beside ReLU's, reported.
/// </summary>
internal sealed class TheoryTwo : Experiment
{
    public override string Name => "theory2";
    public override string Paper => "Liao and Poggio (2017), Theory II: Landscape of the Empirical Risk in Deep Learning";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("seeds", "seeds of the minima, their perturbations and the degeneracy problems", 2, 5, true),
        ("n", "training images (the first of the data set)", 100, 500, true),
        ("channels", "convolution channels of the CNN", 4, 8, true),
        ("retrain-epochs", "full-batch GD steps of each retraining", 20, 50, true),
        ("degree", "degree of the polynomial that replaces ReLU", 4, 4, true),
    ];

    static readonly double[] QuickScales = [0.3, 1, 3, 10], FullScales = [0.01, 0.03, 0.1, 0.3, 1, 3, 10];

    public override bool TakesData => true;

    internal override bool Trains => true;

    /// <summary>The minima trained from scratch: SGD of seeds 0 .. K, GD of seeds 0 .. K - 1, and SGD with the polynomial activation (the retrainings start from them).</summary>
    private protected override IEnumerable<TrainingTask> Trainings(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p,
        ExperimentInputs inputs)
    {
        int seeds = (int)p["seeds"];
        var runs = new TheoryTwoRuns(inputs, (int)p["n"], (int)p["channels"], directory);
        return Enumerable.Range(0, seeds + 1).Select(k => runs.Sgd(k, seed)).Concat(Enumerable.Range(0, seeds).Select(k => runs.Gd(k, seed)))
            .Append(runs.Polynomial((int)p["degree"], seed));
    }

    private protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int seeds = (int)p["seeds"], epochs = (int)p["retrain-epochs"], degree = (int)p["degree"];
        var runs = new TheoryTwoRuns(inputs, (int)p["n"], (int)p["channels"], directory);
        var scales = quick ? QuickScales : FullScales;
        // Minima of seeds 0 .. K (one more than the seeds, so that each seed has a minimum of another seed to be joined to).
        var sgd = Enumerable.Range(0, seeds + 1).Select(k => runs.Minimum(runs.Sgd(k, seed), measureCurvature: k < seeds)).ToArray();
        var gd = Enumerable.Range(0, seeds).Select(k => runs.Minimum(runs.Gd(k, seed), measureCurvature: true)).ToArray();
        var sweep = Enumerable.Range(0, seeds).Select(k => scales.Select(s => runs.Perturb($"perturb-{k}-{s:R}", sgd[k].Theta, s, epochs, seed + (ulong)k)).ToArray()).ToArray();
        var across = Enumerable.Range(0, seeds).Select(k => runs.Line(sgd[k].Theta, sgd[k + 1].Theta)).ToArray();
        var degeneracy = Enumerable.Range(0, seeds).Select(k => (Over: Degeneracy.Measure(16, 20, 5, 3, seed + (ulong)k, 2000, DegeneracyActivation),
            Under: Degeneracy.Measure(4, 20, 5, 3, seed + (ulong)k, 2000, DegeneracyActivation))).ToArray();
        var polynomial = runs.Minimum(runs.Polynomial(degree, seed), measureCurvature: false);
        var tree = Tree(runs, sgd[0].Theta, SmallestEffectiveScale(sweep) ?? scales[^1], epochs, seed, quick ? (2, 1) : (3, 2));

        bool converged = sgd.All(m => m.Converged);
        var claims = new[]
        {
            RetrainingClaim(sweep, converged),
            BasinClaim(sweep, across, converged),
            DegeneracyClaim(degeneracy),
        };
        var json = new JsonObject
        {
            ["title"] = "Theory II: degenerate zero-error minima of an over-parametrized CNN",
            ["paper"] = Paper,
            ["settings"] = new JsonObject
            {
                ["examples"] = runs.Train.Count, ["channels"] = (int)p["channels"], ["model"] = runs.Spec(), ["parameters"] = runs.Parameters,
                ["equations"] = runs.Train.Count * 10, ["target_loss"] = runs.TargetLoss, ["seeds"] = seeds, ["retrain_epochs"] = epochs, ["degree"] = degree,
                ["scales"] = JsonValues.Exact(scales), ["seed"] = seed, ["quick"] = quick,
            },
            ["minima"] = new JsonObject { ["sgd"] = MinimaJson(sgd), ["gd"] = MinimaJson(gd), ["polynomial"] = MinimaJson([polynomial]) },
            ["sweep"] = new JsonArray(sweep.Select(row => (JsonNode)new JsonArray(row.Select(x => (JsonNode)new JsonObject
            {
                ["scale"] = x.Scale, ["error_after_perturbation"] = x.ErrorAfterPerturbation, ["error_after_retraining"] = x.ErrorAfterRetraining,
                ["barrier"] = JsonValues.Number(x.Barrier), ["distance"] = x.Distance,
            }).ToArray())).ToArray()),
            ["across"] = new JsonArray(across.Select(a => (JsonNode)new JsonObject { ["barrier"] = JsonValues.Number(a.Barrier), ["distance"] = a.Distance }).ToArray()),
            ["degeneracy"] = new JsonArray(degeneracy.Select(d => (JsonNode)new JsonObject { ["over"] = DegeneracyJson(d.Over), ["under"] = DegeneracyJson(d.Under) }).ToArray()),
        };
        return new ExperimentResult(claims, json, Figures(runs, sweep, across, sgd, degeneracy[0], tree))
        {
            Summary = [$"CNN {runs.Spec()}: {runs.Parameters} parameters, {runs.Train.Count * 10} equations (examples x classes), minima at training loss <= {F(runs.TargetLoss)}: " +
                $"{sgd.Count(m => m.Converged)}/{sgd.Length} SGD, {gd.Count(m => m.Converged)}/{gd.Length} GD"],
            Notes = Comparison(sgd[..seeds], gd, polynomial),
        };
    }

    /// <summary>The degeneracy nets' activation: the least-squares quadratic to ReLU on [-3, 3] (4 digits), a polynomial net as the paper's argument needs.</summary>
    static string DegeneracyActivation => $"poly({string.Join(",", ReluPolynomial(2, 3).Select(c => c.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))})";

    /// <summary>The smallest scale of the sweep at which every seed's perturbation raised the training error above zero.</summary>
    static double? SmallestEffectiveScale(Perturbation[][] sweep) =>
        sweep[0].Select((x, i) => (x.Scale, i)).Where(s => sweep.All(row => row[s.i].ErrorAfterPerturbation > 0)).Select(s => (double?)s.Scale).FirstOrDefault();

    /// <summary>
    /// Claim: full-batch GD retraining returns to zero training error from the smallest perturbation of the sweep that takes
    /// every seed's minimum off zero error (smaller ones leave the error at zero, so they test nothing; larger ones are
    /// reported, as where the picture ends).
    /// </summary>
    internal static Claim RetrainingClaim(Perturbation[][] sweep, bool converged)
    {
        var scale = SmallestEffectiveScale(sweep);
        int index = scale is double s ? Array.FindIndex(sweep[0], x => x.Scale == s) : sweep[0].Length - 1;
        double[] after = sweep.Select(row => row[index].ErrorAfterRetraining).ToArray();
        double[] before = sweep.Select(row => row[index].ErrorAfterPerturbation).ToArray();
        var verdict = !converged || scale is null ? Verdict.Inconclusive : after.All(e => e == 0) ? Verdict.Holds : Verdict.Fails;
        string ByScale(Func<Perturbation, double> f) => string.Join(", ", sweep[0].Select((x, i) => $"{F(x.Scale)}: {F(100 * sweep.Average(row => f(row[i])))} %"));
        return new Claim("After a perturbation that takes the minimum off zero training error, full-batch GD retraining returns to zero error",
            $"at the smallest such scale of the sweep, {(scale is double v ? F(v) : "none")} x mean|w|: training error after retraining {Statistics.Text(after.Select(e => 100 * e).ToArray())} %; " +
            $"all scales, mean over seeds: {ByScale(x => x.ErrorAfterRetraining)}", verdict)
        {
            Rule = "holds if every seed's perturbation at that scale is retrained to zero training error (inconclusive if a minimum missed its stopping criterion or no scale of the sweep raised every seed's error)",
            Control = ("the perturbed weights, not retrained", $"training error right after the perturbation {Statistics.Text(before.Select(e => 100 * e).ToArray())} %; all scales: {ByScale(x => x.ErrorAfterPerturbation)}"),
            Seeds = after, ControlSeeds = before,
        };
    }

    /// <summary>Claim: straight lines from a minimum to its retrained perturbation cross no barrier; lines between seeds' minima do.</summary>
    internal static Claim BasinClaim(Perturbation[][] sweep, (double Barrier, double Distance)[] across, bool converged)
    {
        var scale = SmallestEffectiveScale(sweep);
        int index = scale is double s ? Array.FindIndex(sweep[0], x => x.Scale == s) : 0;
        double[] within = sweep.Select(row => row[index].Barrier).ToArray();
        double[] between = across.Select(a => a.Barrier).ToArray();
        var gap = Statistics.Interval(Statistics.Differences(between, within));
        var verdict = !converged || scale is null ? Verdict.Inconclusive : Statistics.Positive(gap);
        return new Claim("Within a basin straight lines between minima show no barrier, unlike lines between the minima of different seeds",
            $"barrier from each minimum to its retrained perturbation at {F(sweep[0][index].Scale)} x mean|w| (distance {Statistics.Text(sweep.Select(r => r[index].Distance).ToArray())}): {Statistics.Text(within)}", verdict)
        {
            Rule = "holds if the 95 % interval of the paired difference (across - within) lies above 0 (inconclusive if a minimum missed its stopping criterion)",
            Control = ("the straight line to the minimum of another seed",
                $"barrier {Statistics.Text(between)} (distance {Statistics.Text(across.Select(a => a.Distance).ToArray())}); difference interval {Statistics.Text(gap)}"),
            Seeds = within, ControlSeeds = between,
        };
    }

    /// <summary>Claim: a zero-loss minimum has at least P - N x C zero Hessian eigenvalues; the control cannot fit and has few.</summary>
    internal static Claim DegeneracyClaim((DegeneracyRun Over, DegeneracyRun Under)[] runs)
    {
        var over = runs[0].Over;
        double[] excess = runs.Select(r => (double)(r.Over.NearZero - r.Over.Bezout)).ToArray();
        double[] fraction = runs.Select(r => (double)r.Over.NearZero / r.Over.Parameters).ToArray();
        double[] controlFraction = runs.Select(r => (double)r.Under.NearZero / r.Under.Parameters).ToArray();
        var gap = Statistics.Interval(Statistics.Differences(fraction, controlFraction));
        var verdict = runs.Any(r => !r.Over.Converged || r.Over.Loss > 1e-12) ? Verdict.Inconclusive
            : excess.Any(e => e < 0) ? Verdict.Fails : Statistics.Positive(gap);
        return new Claim("At a zero-loss minimum the Hessian has at least P - N x C zero eigenvalues (the dimension of the zero-loss set, Bezout's count)",
            $"{over.Spec} on {over.Equations / 3} points, 3 classes: P = {over.Parameters}, P - N x C = {over.Bezout}; eigenvalues below {F(Degeneracy.Tolerance)} x the largest: " +
            $"{string.Join(", ", runs.Select(r => r.Over.NearZero))} (Gauss-Newton matrix: {string.Join(", ", runs.Select(r => r.Over.NearZeroGaussNewton))}) at losses up to {F(runs.Max(r => r.Over.Loss))}", verdict)
        {
            Rule = "holds if every seed reaches a zero loss (below 1e-12) and counts at least P - N x C zero eigenvalues, and the 95 % interval of the difference in zero fraction (this - control) lies above 0",
            Control = ($"the same net 4 wide, P = {runs[0].Under.Parameters} < N x C = {runs[0].Under.Equations}, which cannot fit every equation",
                $"loss {Statistics.Text(runs.Select(r => r.Under.Loss).ToArray())}, zero eigenvalues {string.Join(", ", runs.Select(r => r.Under.NearZero))}; fraction difference interval {Statistics.Text(gap)}"),
            Seeds = excess, ControlSeeds = runs.Select(r => (double)r.Under.NearZero).ToArray(),
        };
    }

    /// <summary>The perturbation tree: the minimum's children (perturbed and retrained), then each child's children.</summary>
    static List<(string Name, Perturbation Node)> Tree(TheoryTwoRuns runs, float[] root, double scale, int epochs, ulong seed, (int First, int Second) branching)
    {
        var nodes = new List<(string, Perturbation)>();
        for (int i = 0; i < branching.First; i++)
        {
            var child = runs.Perturb($"tree-{i}", root, scale, epochs, seed + 100 + (ulong)i);
            nodes.Add(($"{i}", child));
            for (int j = 0; j < branching.Second; j++)
                nodes.Add(($"{i}.{j}", runs.Perturb($"tree-{i}-{j}", child.Retrained, scale, epochs, seed + 200 + (ulong)(10 * i + j))));
        }
        return nodes;
    }

    static Figure[] Figures(TheoryTwoRuns runs, Perturbation[][] sweep, (double Barrier, double Distance)[] across, Minimum[] sgd,
        (DegeneracyRun Over, DegeneracyRun Under) degeneracy, List<(string Name, Perturbation Node)> tree)
    {
        var logScale = sweep[0].Select(x => Math.Log10(x.Scale)).ToArray();
        // The tree by MDS: each node's path runs from its parent minimum through the perturbed start along its retraining
        // trajectory (every fifth checkpoint and its end).
        var ends = new Dictionary<string, float[]> { [""] = sgd[0].Theta };
        var paths = new List<(string Name, float[][] Points)>();
        foreach (var (name, node) in tree)
        {
            var parent = ends[name.Contains('.') ? name[..name.LastIndexOf('.')] : ""];
            paths.Add((name, [parent, .. node.Trajectory.Where((_, i) => i % 5 == 0 || i == node.Trajectory.Count - 1)]));
            ends[name] = node.Retrained;
        }
        var all = new List<double[]> { sgd[0].Theta.Select(x => (double)x).ToArray() };
        all.AddRange(paths.SelectMany(p => p.Points.Select(w => w.Select(x => (double)x).ToArray())));
        var distances = Mds.Distances(all);
        var embedding = Mds.Smacof(distances);
        int k = 1;
        var drawn = new List<(string, double[][])> { ("minimum", [embedding.Points[0]]) };
        foreach (var (name, points) in paths)
        {
            drawn.Add(($"branch {name}", embedding.Points[k..(k + points.Length)]));
            k += points.Length;
        }
        var within = runs.Errors(sgd[0].Theta, tree[0].Node.Retrained);
        var between = runs.Errors(sgd[0].Theta, sgd[1].Theta);
        var t = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();
        return
        [
            new("tree-mds", $"Perturbation tree: jumps and GD retraining, by MDS (Kruskal stress {Mds.KruskalStress(embedding.Stress, distances).ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})", "MDS 1", "MDS 2")
                { Paths = drawn },
            new("sweep-error", "Training error after a perturbation of scale s x mean|w|, before and after GD retraining (mean over seeds)", "log10 s", "training error (%)")
            {
                X = logScale,
                Curves = [("after the perturbation", sweep[0].Select((_, i) => 100 * sweep.Average(r => r[i].ErrorAfterPerturbation)).ToArray()),
                    ("after GD retraining", sweep[0].Select((_, i) => 100 * sweep.Average(r => r[i].ErrorAfterRetraining)).ToArray())],
            },
            new("sweep-barrier", "Straight-line barrier from the minimum to its retrained perturbation (mean over seeds)", "log10 s", "barrier (training loss)")
            {
                X = logScale,
                Curves = [("minimum to retrained perturbation", sweep[0].Select((_, i) => sweep.Average(r => r[i].Barrier)).ToArray()),
                    ("minima of different seeds", sweep[0].Select(_ => across.Average(a => a.Barrier)).ToArray())],
            },
            new("interpolation", "Error along straight lines from a minimum (seed 0)", "t", "error (%)")
            {
                X = t,
                Curves = [("train, to its retrained perturbation", within.Train.Select(e => 100 * e).ToArray()), ("test, to its retrained perturbation", within.Test.Select(e => 100 * e).ToArray()),
                    ("train, to another seed's minimum", between.Train.Select(e => 100 * e).ToArray()), ("test, to another seed's minimum", between.Test.Select(e => 100 * e).ToArray())],
            },
            new("spectrum", "Hessian eigenvalues at a zero-loss minimum, by size (seed 0)", "index (smallest first)", "log10 |eigenvalue|")
            {
                Curves = [($"P = {degeneracy.Over.Parameters} > N x C", degeneracy.Over.Eigenvalues.Select(Math.Abs).Order().Select(v => Math.Log10(Math.Max(v, 1e-20))).ToArray()),
                    ($"control: P = {degeneracy.Under.Parameters} < N x C", degeneracy.Under.Eigenvalues.Select(Math.Abs).Order().Select(v => Math.Log10(Math.Max(v, 1e-20))).ToArray())],
                Marker = (degeneracy.Over.Bezout, "P - N x C"),
            },
        ];
    }

    /// <summary>SGD against GD minima, and the polynomial net beside ReLU's: measured, with no claim of the paper to test.</summary>
    static string[] Comparison(Minimum[] sgd, Minimum[] gd, Minimum polynomial)
    {
        string Paired(string what, Func<Minimum, double> f) =>
            $"{what}: SGD {Statistics.Text(sgd.Select(f).ToArray())}, GD {Statistics.Text(gd.Select(f).ToArray())}, difference interval " +
            Statistics.Text(Statistics.Interval(Statistics.Differences(sgd.Select(f).ToArray(), gd.Select(f).ToArray())));
        return
        [
            Paired("test error (%)", m => 100 * m.TestError),
            Paired("Hessian trace (Hutchinson, 30 probes)", m => m.Trace),
            Paired("distance from the initialization", m => m.DistanceFromInit),
            $"polynomial activation (seed 0): training error {F(100 * polynomial.TrainError)} % at loss {F(polynomial.TrainLoss)}, test error {F(100 * polynomial.TestError)} % " +
            $"(ReLU, seed 0: {F(100 * sgd[0].TestError)} %)",
        ];
    }

    static JsonArray MinimaJson(IEnumerable<Minimum> minima) => new(minima.Select(m => (JsonNode)new JsonObject
    {
        ["train_loss"] = m.TrainLoss, ["train_error"] = m.TrainError, ["test_error"] = m.TestError, ["gradient_norm"] = m.GradientNorm, ["converged"] = m.Converged,
        ["trace"] = JsonValues.Number(m.Trace), ["trace_stderr"] = JsonValues.Number(m.TraceStandardError), ["distance_from_init"] = m.DistanceFromInit,
    }).ToArray());

    static JsonObject DegeneracyJson(DegeneracyRun d) => new()
    {
        ["model"] = d.Spec, ["parameters"] = d.Parameters, ["equations"] = d.Equations, ["loss"] = d.Loss, ["gradient_norm"] = d.GradientNorm,
        ["converged"] = d.Converged, ["near_zero"] = d.NearZero, ["near_zero_gauss_newton"] = d.NearZeroGaussNewton, ["bezout"] = d.Bezout,
    };

    /// <summary>Least-squares polynomial of the given degree to max(z, 0) on [-range, range] (201 points).</summary>
    internal static double[] ReluPolynomial(int degree, double range)
    {
        var z = Enumerable.Range(0, 201).Select(i => -range + 2 * range * i / 200).ToArray();
        return MathNet.Numerics.Fit.Polynomial(z, z.Select(v => Math.Max(v, 0)).ToArray(), degree);
    }
}
