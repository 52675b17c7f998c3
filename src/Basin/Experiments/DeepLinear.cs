using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Experiments;

/// <summary>Theorem 1 tested on one seed: its bound at its own step size, then the same start and one of opposite sign at a practical step.</summary>
internal sealed record TheoremRun(double Margin, double Eta, double Delta, double DeltaBound, DescentRun AtBound, double BoundRate,
    DescentRun Positive, DescentRun Negative, double NegativeMargin)
{
    /// <summary>The largest l(t) / (l(0) exp(-rate t)) over the run: at most 1 where the theorem's bound holds.</summary>
    public double WorstBoundRatio => AtBound.Loss.Select((l, t) => l / (AtBound.Loss[0] * Math.Exp(-BoundRate * t))).Max();

    /// <summary>The measured log-rate over the run at the bound's step size, as a multiple of the rate the theorem guarantees.</summary>
    public double RateRatio => -Math.Log(AtBound.Loss[^1] / AtBound.Loss[0]) / (AtBound.Loss.Length - 1) / BoundRate;
}

/// <summary>One initialization scale of the sweep: per seed, whether each start reached the target, and in how many steps.</summary>
internal sealed record ScaleRun(double Scale, int?[] BalancedSteps, int?[] IndependentSteps);

/// <summary>
/// Arora, Cohen, Golowich and Hu (2018), on whitened regression (<see cref="DeepLinearProblem"/>). Theorem 1: from a
/// balanced start whose end-to-end matrix has a positive deficiency margin c, with the step size and initial
/// unbalancedness within the theorem's bounds, gradient descent converges at the linear rate e^(-eta c^(2(N-1)/N) t);
/// the control is a balanced start whose end-to-end matrix has the opposite determinant sign (c &lt; 0), which can get no
/// closer to Phi than sigma_min(Phi). The paper's figure: balanced initialization converges over a range of
/// initialization scales where layer-wise independent initialization (the control) stalls or diverges. Checks: the
/// Hessian at W = 0 has negative eigenvalues at depth 2 and is zero from depth 3; gradient descent conserves
/// balancedness up to O(eta^2).
/// </summary>
internal sealed class DeepLinear : Experiment
{
    public override string Name => "deep-linear";
    public override string Paper => "Arora, Cohen, Golowich and Hu (2018), A Convergence Analysis of Gradient Descent for Deep Linear Neural Networks";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("depth", "layers N", 3, 3, true),
        ("width", "width d (inputs, outputs and hidden units)", 3, 4, true),
        ("seeds", "seeds (targets Phi, starts and data)", 2, 5, true),
        ("bound-steps", "gradient descent steps at Theorem 1's step size", 2000, 20000, true),
        ("steps", "gradient descent steps at the practical step size", 1500, 6000, true),
        ("lr", "the practical step size (loss 1/2 ||W - Phi||^2)", 0.05, 0.05, false),
    ];

    /// <summary>Theorem 1 is about depth N >= 2 (a product of at least two matrices).</summary>
    protected override double Smallest(string parameter) => parameter == "depth" ? 2 : base.Smallest(parameter);

    static readonly double[] QuickScales = [0.01, 0.3, 3], FullScales = [0.01, 0.03, 0.1, 0.3, 1, 2, 3];

    /// <summary>The target of the practical runs, relative to the loss at W = 0 (1/2 ||Phi||_F^2).</summary>
    const double Target = 1e-6;

    private protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int depth = (int)p["depth"], width = (int)p["width"], seeds = (int)p["seeds"], boundSteps = (int)p["bound-steps"], steps = (int)p["steps"];
        double lr = p["lr"];
        var problems = Enumerable.Range(0, seeds).Select(k => DeepLinearProblem.Create(depth, width, seed + (ulong)k)).ToArray();
        var theorem = problems.Select((pr, k) => Theorem(pr, boundSteps, steps, lr, seed + (ulong)k)).ToArray();
        var scales = (quick ? QuickScales : FullScales).Select(s => Sweep(problems, s, steps, lr, seed)).ToArray();
        var (strict, nonStrict) = (SaddleBottom(2, width, problems[0]), SaddleBottom(Math.Max(3, depth), width, problems[0]));

        var claim1 = TheoremClaim(theorem, problems, lr);
        var claim2 = ScalesClaim(scales, steps, seeds);

        double drift = theorem.Max(r => Math.Abs(r.Positive.Balancedness[^1] - r.Positive.Balancedness[0]));
        Claim[] checks =
        [
            new("W = 0 is a strict saddle at depth 2: the Hessian has negative eigenvalues", $"smallest eigenvalues {string.Join(", ", strict.Select(F))}", strict[0] < -1e-6),
            new($"W = 0 is a non-strict saddle at depth {Math.Max(3, depth)}: the Hessian is zero", $"smallest eigenvalues {string.Join(", ", nonStrict.Select(F))}", nonStrict.All(l => Math.Abs(l) < 1e-12)),
            new("Gradient descent conserves balancedness up to O(eta^2)", $"largest change over {steps} steps at eta = {F(lr)}: {F(drift)}", drift < 100 * lr * lr),
        ];

        var json = new JsonObject
        {
            ["title"] = "Deep linear networks: Theorem 1's linear rate, the deficiency margin, and balanced initialization",
            ["paper"] = Paper,
            ["settings"] = new JsonObject
            {
                ["depth"] = depth, ["width"] = width, ["seeds"] = seeds, ["bound_steps"] = boundSteps, ["steps"] = steps, ["learning_rate"] = lr,
                ["examples"] = 4 * width, ["whitening"] = problems.Max(pr => pr.Whitening), ["seed"] = seed, ["quick"] = quick,
            },
            ["theorem"] = new JsonArray(theorem.Select(r => (JsonNode)new JsonObject
            {
                ["margin"] = r.Margin, ["eta"] = r.Eta, ["delta"] = r.Delta, ["delta_bound"] = r.DeltaBound, ["rate_bound"] = r.BoundRate,
                ["rate_ratio"] = r.RateRatio, ["worst_bound_ratio"] = r.WorstBoundRatio, ["negative_margin"] = r.NegativeMargin,
                ["practical_final_loss"] = r.Positive.Loss[^1], ["negative_final_loss"] = r.Negative.Loss[^1],
            }).ToArray()),
            ["scales"] = new JsonArray(scales.Select(s => (JsonNode)new JsonObject
            {
                ["scale"] = s.Scale,
                ["balanced_steps"] = new JsonArray(s.BalancedSteps.Select(x => (JsonNode?)x).ToArray()),
                ["independent_steps"] = new JsonArray(s.IndependentSteps.Select(x => (JsonNode?)x).ToArray()),
            }).ToArray()),
        };
        var first = theorem[0];
        var logScale = scales.Select(s => Math.Log10(s.Scale)).ToArray();
        double Median(int?[] x) => x.Any(v => v is not null) ? Statistics.Median(x.Where(v => v is not null).Select(v => (double)v!.Value).ToArray()) : double.NaN;
        Figure[] figures =
        [
            new("bound", "Theorem 1 (seed 0): the loss and the guaranteed bound at the theorem's step size", "step", "log10 loss")
            {
                Curves = [("gradient descent", first.AtBound.Loss.Select(Math.Log10).ToArray()),
                    ("l(0) exp(-eta c^(2(N-1)/N) t)", first.AtBound.Loss.Select((_, t) => Math.Log10(first.AtBound.Loss[0]) - first.BoundRate * t / Math.Log(10)).ToArray())],
            },
            new("margin", $"Practical step size {F(lr)} (seed 0): positive vs negative deficiency margin", "step", "log10 loss")
            {
                Curves = [("c > 0", first.Positive.Loss.Select(Math.Log10).ToArray()), ("c < 0 (opposite determinant sign)", first.Negative.Loss.Select(Math.Log10).ToArray()),
                    ("1/2 sigma_min(Phi)^2", first.Negative.Loss.Select(_ => Math.Log10(0.5 * Math.Pow(problems[0].SigmaMin, 2))).ToArray())],
            },
            new("scales", $"Reaching l <= {F(Target)} l(W = 0) within {steps} steps, by initialization scale", "log10 scale", "fraction of seeds")
            {
                X = logScale,
                Curves = [("balanced", scales.Select(s => s.BalancedSteps.Count(x => x is not null) / (double)seeds).ToArray()),
                    ("layer-wise independent", scales.Select(s => s.IndependentSteps.Count(x => x is not null) / (double)seeds).ToArray())],
            },
            new("scales-steps", "Median steps to the target, by initialization scale (gaps: no seed reached it)", "log10 scale", "steps")
            {
                X = logScale,
                Curves = [("balanced", scales.Select(s => Median(s.BalancedSteps)).ToArray()), ("layer-wise independent", scales.Select(s => Median(s.IndependentSteps)).ToArray())],
            },
        ];
        return new ExperimentResult([claim1, claim2], json, figures) { Checks = checks };
    }

    /// <summary>Theorem 1's claim: its bound at every step of every seed, and a measurable difference from the negative-margin control.</summary>
    internal static Claim TheoremClaim(IReadOnlyList<TheoremRun> theorem, IReadOnlyList<DeepLinearProblem> problems, double lr)
    {
        double[] decade = theorem.Select(r => Math.Log10(r.Positive.Loss[^1] / r.Positive.Loss[0])).ToArray();
        double[] controlDecade = theorem.Select(r => Math.Log10(r.Negative.Loss[^1] / r.Negative.Loss[0])).ToArray();
        var gap = Statistics.Interval(Statistics.Differences(controlDecade, decade));
        double floor = 0.5 * Math.Pow(problems.Min(pr => pr.SigmaMin), 2);
        bool boundHeld = theorem.All(r => r.WorstBoundRatio <= 1 + 1e-9);
        var theoremVerdict = !boundHeld ? Verdict.Fails : Statistics.Positive(gap);
        return new Claim("Theorem 1: from a balanced start with deficiency margin c > 0, with eta and the unbalancedness within the theorem's bounds, the loss stays below l(0) exp(-eta c^(2(N-1)/N) t)",
            $"bound held at every step of {theorem.Count} seeds: {(boundHeld ? "yes" : "NO")} (worst l(t) / bound {F(theorem.Max(r => r.WorstBoundRatio))}); measured rate " +
            $"{Statistics.Text(theorem.Select(r => r.RateRatio).ToArray())} x the guaranteed one at eta = {F(theorem.Average(r => r.Eta))}; at the practical eta = {F(lr)} " +
            $"log10 l(T)/l(0) = {Statistics.Text(decade)}", theoremVerdict)
        {
            Rule = "holds if the bound holds at every step of every seed and the control's log10 loss decrease is smaller, the 95 % interval of the paired difference above 0",
            Control = ("a balanced start with the opposite determinant sign (c < 0), no closer to Phi than sigma_min(Phi), practical eta",
                $"log10 l(T)/l(0) = {Statistics.Text(controlDecade)}, final loss {Statistics.Text(theorem.Select(r => r.Negative.Loss[^1]).ToArray())} >= 1/2 sigma_min(Phi)^2 = {F(floor)}: " +
                $"{(theorem.All(r => r.Negative.Loss.All(l => l >= floor * (1 - 1e-5))) ? "yes" : "NO")}; difference interval {Statistics.Text(gap)}"),
            Seeds = decade, ControlSeeds = controlDecade,
        };
    }

    /// <summary>The figure's claim: balanced starts reach the target more often than layer-wise independent ones of the same scale.</summary>
    internal static Claim ScalesClaim(IReadOnlyList<ScaleRun> scales, int steps, int seeds)
    {
        double[] balancedSuccess = scales.SelectMany(s => s.BalancedSteps.Select(x => x is null ? 0.0 : 1.0)).ToArray();
        double[] independentSuccess = scales.SelectMany(s => s.IndependentSteps.Select(x => x is null ? 0.0 : 1.0)).ToArray();
        var successGap = Statistics.Interval(Statistics.Differences(balancedSuccess, independentSuccess));
        string Rates(Func<ScaleRun, int?[]> arm) => string.Join(", ", scales.Select(s => $"{F(s.Scale)}: {arm(s).Count(x => x is not null)}/{seeds}"));
        return new Claim("Balanced initialization reaches the global minimum over a range of initialization scales",
            $"runs reaching l <= {F(Target)} l(W = 0) within {steps} steps, by scale: {Rates(s => s.BalancedSteps)}", Statistics.Positive(successGap))
        {
            Rule = "holds if the 95 % interval of the paired difference in success (balanced - independent, over scales and seeds) lies above 0",
            Control = ("layer-wise independent Gaussian layers of the same scale", $"{Rates(s => s.IndependentSteps)}; difference interval {Statistics.Text(successGap)}"),
            Seeds = balancedSuccess, ControlSeeds = independentSuccess,
        };
    }

    /// <summary>
    /// Theorem 1 on one problem: A = Phi + E with ||E||_F = 0.3 sigma_min(Phi) (so c = 0.7 sigma_min), balanced; gradient
    /// descent at the theorem's step size; then that start and the balanced start of A with one singular direction
    /// reflected (det A &lt; 0) at the practical step size.
    /// </summary>
    internal static TheoremRun Theorem(DeepLinearProblem problem, int boundSteps, int steps, double lr, ulong seed, double etaFactor = 1)
    {
        var rng = new Rng(seed, 0x7E0);
        int d = problem.Width;
        var e = Matrix<double>.Build.Dense(d, d, (_, _) => rng.NextGaussian());
        var a = problem.Phi + e * (0.3 * problem.SigmaMin / e.FrobeniusNorm());
        double margin = problem.Margin(a);
        var start = DeepLinearProblem.Balanced(a, problem.Depth);
        double eta = etaFactor * problem.StepBound(margin);
        var atBound = problem.Descend(start, eta, boundSteps);
        var positive = problem.Descend(start, lr, steps);
        var svd = a.Svd();
        var flip = Matrix<double>.Build.DenseIdentity(d);
        flip[d - 1, d - 1] = -1;
        var reflected = svd.U * flip * Matrix<double>.Build.DenseOfDiagonalVector(svd.S) * svd.VT;
        var negative = problem.Descend(DeepLinearProblem.Balanced(reflected, problem.Depth), lr, steps);
        return new TheoremRun(margin, eta, DeepLinearProblem.Balancedness(start), problem.BalanceBound(margin), atBound, problem.Rate(eta, margin),
            positive, negative, problem.Margin(reflected));
    }

    /// <summary>
    /// One initialization scale s: per seed, layer-wise independent layers with N(0, s^2/d) entries, and the balanced
    /// factorization of an end-to-end matrix with N(0, s^2/d) entries, both made to have det > 0 as Phi has (so neither is
    /// barred from Phi by the determinant's sign), each run by gradient descent to the target.
    /// </summary>
    internal static ScaleRun Sweep(IReadOnlyList<DeepLinearProblem> problems, double scale, int steps, double lr, ulong seed, bool balance = true)
    {
        var balanced = new int?[problems.Count];
        var independent = new int?[problems.Count];
        for (int k = 0; k < problems.Count; k++)
        {
            var pr = problems[k];
            var rng = new Rng(seed + (ulong)k, 0x5CA1E + (ulong)Math.Round(1000 * scale));
            Matrix<double> Gaussian() => Matrix<double>.Build.Dense(pr.Width, pr.Width, (_, _) => scale * rng.NextGaussian() / Math.Sqrt(pr.Width));
            var layers = Enumerable.Range(0, pr.Depth).Select(_ => Gaussian()).ToArray();
            if (DeepLinearProblem.EndToEnd(layers).Determinant() < 0) layers[0].SetRow(0, -layers[0].Row(0));
            var a = Gaussian();
            if (a.Determinant() < 0) a.SetRow(0, -a.Row(0));
            double target = Target * 0.5 * Math.Pow(pr.Phi.FrobeniusNorm(), 2);
            balanced[k] = pr.Descend(balance ? DeepLinearProblem.Balanced(a, pr.Depth) : layers, lr, steps, target).StepsToTarget;
            independent[k] = pr.Descend(layers, lr, steps, target).StepsToTarget;
        }
        return new ScaleRun(scale, balanced, independent);
    }

    /// <summary>The three smallest Hessian eigenvalues at W = 0 (explicit matrix; the nets here are small).</summary>
    static double[] SaddleBottom(int depth, int width, DeepLinearProblem problem)
    {
        var network = ModelSpec.Build<double>(DeepLinearProblem.Spec(depth, width), [width]);
        var data = problem.Data;
        var f = new EmpiricalRisk<double>(network, data, "mse", 0, data.Count, 1);
        var h = DenseOperator.Materialize(new HessianOperator<double>(f, new double[network.ParameterCount]));
        return Spectrum.Dense(h).Reverse().Take(3).ToArray();
    }
}
