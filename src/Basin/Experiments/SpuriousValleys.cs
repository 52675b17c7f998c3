using System.Text.Json.Nodes;
using Basin.Models;

namespace Basin.Experiments;

/// <summary>
/// Venturi, Bandeira and Bruna: two-layer nets f(x) = sum_j a_j sigma(w_j . x). For a polynomial activation the functions
/// x -> sigma(w . x) span a space of finite (intrinsic) dimension dim*, and from width p &gt;= dim* there are no spurious
/// valleys; for sigma(z) = z^2 the bound improves to p &gt;= 2n + 1, below dim* = n(n+1)/2 from n = 5. Each claim sweeps
/// widths on both sides of its bound (the widths below are its control), and every run ends at a classified point: a global
/// minimum, a saddle (a negative Hessian eigenvalue) or a spurious local minimum. The negative result: ReLU nets on data
/// where a unit can be inactive on every example trap gradient descent at spurious minima at small widths, not at large.
/// Linear nets, whose every local minimum is global, are swept and reported beside them.
/// </summary>
internal sealed class SpuriousValleys : Experiment
{
    public override string Name => "spurious-valleys";
    public override string Paper => "Venturi, Bandeira and Bruna (2019), Spurious Valleys in Two-layer Neural Network Optimization Landscapes";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("teachers", "teachers (data sets) per width: one-sign, mixed-sign and random output weights", 2, 3, true),
        ("starts", "random starts per teacher and width (twice as many for ReLU)", 2, 5, true),
        ("steps", "Adam steps before Levenberg-Marquardt finishes each run", 2000, 20000, true),
    ];

    const string Quadratic = "square", Cubic = "poly(0,0,1,0.5)";

    private protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int teachers = (int)p["teachers"], starts = (int)p["starts"], steps = (int)p["steps"];
        const int n = 5, cubicInputs = 3;
        long quadraticDim = IntrinsicDimension(n, [0, 0, 1]), cubicDim = IntrinsicDimension(cubicInputs, [0, 0, 1, 0.5]);
        var quadratic = new SpuriousValleysRuns(Quadratic, n, 100, steps);
        var cubic = new SpuriousValleysRuns(Cubic, cubicInputs, 100, steps);
        var relu = new SpuriousValleysRuns("relu", 2, 40, steps, hinges: true);
        var linear = new SpuriousValleysRuns("identity", n, 100, steps);
        int[] quadraticWidths = quick ? [3, 2 * n + 1] : [2, 3, 5, 8, 2 * n + 1, 13, (int)quadraticDim, (int)quadraticDim + 1];
        int[] cubicWidths = quick ? [4, (int)cubicDim] : [2, 4, 8, 12, (int)cubicDim, (int)cubicDim + 2];
        int[] reluWidths = quick ? [2, 16] : [2, 3, 4, 6, 8, 16];
        var q = quadratic.Sweep(quadraticWidths, teachers, starts, seed);
        var c = cubic.Sweep(cubicWidths, teachers, starts, seed);
        var r = relu.Sweep(reluWidths, teachers, 2 * starts, seed);
        // Linear nets (dim* = n, every width fits a one-output teacher): no spurious minimum at any width, as for deep linear nets.
        var l = linear.Sweep(quick ? [1] : [1, 2, n], teachers, starts, seed);
        var wide = q.Where(row => row[0].Width >= 2 * n + 1).ToArray();
        var pairs = Pairs(quadratic, wide, quick ? 1 : 3, seed);

        Claim[] claims =
        [
            BoundClaim($"Quadratic nets (n = {n}) of width p >= 2n+1 = {2 * n + 1}, below dim* = {quadraticDim}, have no spurious minimum: every run reaches the global minimum", q, 2 * n + 1),
            BoundClaim($"Cubic nets (n = {cubicInputs}) of width p >= dim* = {cubicDim} have no spurious minimum: every run reaches the global minimum", c, (int)cubicDim),
            ReluClaim(r),
            ConnectivityClaim(pairs),
        ];
        var json = new JsonObject
        {
            ["title"] = "Spurious valleys: width sweeps of two-layer networks on both sides of the bounds",
            ["paper"] = Paper,
            ["settings"] = new JsonObject
            {
                ["teachers"] = teachers, ["starts"] = starts, ["steps"] = steps, ["quadratic"] = $"n = {n}, widths {string.Join(",", quadraticWidths)}",
                ["cubic"] = $"n = {cubicInputs}, widths {string.Join(",", cubicWidths)}", ["relu"] = $"x = (t, 1), widths {string.Join(",", reluWidths)}", ["linear"] = $"n = {n}",
                ["global_loss"] = SpuriousValleysRuns.GlobalLoss, ["stationary_gradient"] = SpuriousValleysRuns.StationaryGradient, ["seed"] = seed, ["quick"] = quick,
            },
            ["intrinsic_dimension"] = new JsonObject { ["quadratic"] = quadraticDim, ["cubic"] = cubicDim },
            ["runs"] = new JsonArray(new[] { ("quadratic", q), ("cubic", c), ("relu", r), ("linear", l) }.SelectMany(s => s.Item2.SelectMany(row => row).Select(x => (JsonNode)new JsonObject
            {
                ["activation"] = s.Item1, ["width"] = x.Width, ["teacher"] = x.Teacher, ["ending"] = Label(x.Ending), ["loss"] = x.Loss,
                ["gradient_norm"] = x.GradientNorm, ["smallest_eigenvalue"] = JsonValues.Number(x.SmallestEigenvalue),
            })).ToArray()),
            ["connectivity"] = new JsonArray(pairs.Select(x => (JsonNode)new JsonObject { ["width"] = x.Width, ["line_barrier"] = x.Line, ["curve_barrier"] = x.Curve }).ToArray()),
        };
        Figure[] figures =
        [
            Endings("quadratic", $"Quadratic nets, n = {n}: where runs end, by width (dim* = {quadraticDim})", q, (2 * n + 1, "p = 2n+1")),
            Endings("cubic", $"Cubic nets, n = {cubicInputs}: where runs end, by width", c, ((int)cubicDim, "p = dim*")),
            Endings("relu", "ReLU nets on x = (t, 1): where runs end, by width", r, null),
        ];
        return new ExperimentResult(claims, json, figures)
        {
            Summary = [$"intrinsic dimension dim* of the quadratic activation on {n} inputs: {quadraticDim}; of the cubic on {cubicInputs} inputs: {cubicDim}",
                .. new[] { ("quadratic", q), ("cubic", c), ("ReLU", r), ("linear", l) }.Select(s => $"{s.Item1,-9} " + string.Join("  ", s.Item2.Select(row => $"p={row[0].Width}: {Counts(row)}")))],
        };
    }

    /// <summary>Claim: at every width from the bound up, every run reaches the global minimum; the widths below are the control.</summary>
    internal static Claim BoundClaim(string statement, ValleyRun[][] sweep, int bound)
    {
        var above = sweep.Where(row => row[0].Width >= bound).ToArray();
        var below = sweep.Where(row => row[0].Width < bound).ToArray();
        var all = above.SelectMany(row => row).ToArray();
        var verdict = all.Any(x => x.Ending == Ending.SpuriousMinimum) ? Verdict.Fails
            : all.Any(x => x.Ending == Ending.NotConverged) ? Verdict.Inconclusive : Verdict.Holds;
        int spuriousBelow = below.Sum(row => row.Count(x => x.Ending == Ending.SpuriousMinimum));
        return new Claim(statement, string.Join("; ", above.Select(row => $"p = {row[0].Width}: {Counts(row)}")), verdict)
        {
            Rule = "fails if a run at a width from the bound up ends at a spurious local minimum (gradient norm below 1e-7, no negative Hessian eigenvalue, loss above 1e-12); " +
                "inconclusive if one ends at no stationary point; else holds",
            Control = ($"widths below the bound, where the theorem promises nothing",
                string.Join("; ", below.Select(row => $"p = {row[0].Width}: {Counts(row)}")) +
                (spuriousBelow == 0 ? " (no spurious minimum below the bound either: the control does not differ here, so the bound's necessity is not shown)" : "")),
            Seeds = all.Select(x => x.Ending == Ending.Global ? 1.0 : 0).ToArray(),
            ControlSeeds = below.SelectMany(row => row).Select(x => x.Ending == Ending.Global ? 1.0 : 0).ToArray(),
        };
    }

    /// <summary>The negative result: at the smallest width runs end at spurious minima; at the largest (the control) they do not.</summary>
    internal static Claim ReluClaim(ValleyRun[][] sweep)
    {
        double[] Trapped(ValleyRun[] row) => row.Select(x => x.Ending == Ending.SpuriousMinimum ? 1.0 : 0).ToArray();
        var interval = Statistics.Interval(Statistics.Differences(Trapped(sweep[0]), Trapped(sweep[^1])));
        return new Claim("ReLU nets, unlike polynomial ones past their bounds, trap gradient descent at small widths: on data where a unit can be inactive on every example, runs end at stationary points of positive loss with no negative curvature",
            string.Join("; ", sweep.Select(row => $"p = {row[0].Width}: {Counts(row)}")), Statistics.Positive(interval))
        {
            Rule = $"holds if the 95 % interval of the difference in the share ending at a spurious minimum (p = {sweep[0][0].Width} - p = {sweep[^1][0].Width}, paired by teacher and start) lies above 0",
            Control = ($"width {sweep[^1][0].Width}", $"{Counts(sweep[^1])}; difference interval {Statistics.Text(interval)}"),
            Seeds = Trapped(sweep[0]), ControlSeeds = Trapped(sweep[^1]),
        };
    }

    /// <summary>Claim: global minima of a wide quadratic net are joined by a trained curve inside a low sublevel set; the straight line is the control.</summary>
    internal static Claim ConnectivityClaim(IReadOnlyList<(int Width, double Line, double Curve)> pairs)
    {
        const double low = 1e-2;
        var verdict = pairs.Count == 0 ? Verdict.Inconclusive : pairs.All(x => x.Curve <= low) ? Verdict.Holds : Verdict.Fails;
        return new Claim("Two global minima of a net of width p >= 2n+1 are joined inside a low sublevel set (a trained Bezier curve)",
            string.Join("; ", pairs.Select(x => $"p = {x.Width}: curve barrier {F(x.Curve)}")), verdict)
        {
            Rule = $"holds if every pair's curve barrier is at most {F(low)} (1 % of the targets' variance); inconclusive if no pair of global minima was found",
            Control = ("the straight line between the same minima", string.Join("; ", pairs.Select(x => $"p = {x.Width}: {F(x.Line)}"))),
            Seeds = pairs.Select(x => x.Curve).ToArray(), ControlSeeds = pairs.Select(x => x.Line).ToArray(),
        };
    }

    /// <summary>Up to <paramref name="count"/> pairs of global minima of teacher 0 at each width, with their line and curve barriers.</summary>
    static List<(int Width, double Line, double Curve)> Pairs(SpuriousValleysRuns runs, ValleyRun[][] sweep, int count, ulong seed)
    {
        var data = runs.Data(0, seed);
        var pairs = new List<(int, double, double)>();
        foreach (var row in sweep)
        {
            var minima = row.Where(x => x.Teacher == 0 && x.Ending == Ending.Global).ToArray();
            for (int i = 0; i < Math.Min(count, minima.Length - 1); i++)
            {
                var (line, curve) = runs.Barriers(data, minima[i], minima[(i + 1) % minima.Length]);
                pairs.Add((row[0].Width, line, curve));
            }
        }
        return pairs;
    }

    static Figure Endings(string file, string title, ValleyRun[][] sweep, (double, string)? marker) =>
        new($"endings-{file}", title, "width p", "share of runs")
        {
            X = sweep.Select(row => (double)row[0].Width).ToArray(),
            Curves = Enum.GetValues<Ending>().Select(e => (Label(e), sweep.Select(row => row.Count(x => x.Ending == e) / (double)row.Length).ToArray())).ToList(),
            Marker = marker,
        };

    static string Counts(ValleyRun[] row) =>
        $"{row.Count(x => x.Ending == Ending.Global)}/{row.Length} global" +
        string.Concat(new[] { Ending.Saddle, Ending.SpuriousMinimum, Ending.NotConverged }.Select(e => row.Count(x => x.Ending == e) is > 0 and var k ? $", {k} {Label(e)}" : ""));

    static string Label(Ending e) => e switch
    {
        Ending.Global => "global minimum", Ending.Saddle => "saddle", Ending.SpuriousMinimum => "spurious minimum", _ => "not converged",
    };

    /// <summary>sum over the degrees i with c_i != 0 of C(n + i - 1, i): monomials of degree i in n variables.</summary>
    internal static long IntrinsicDimension(int inputs, IReadOnlyList<double> coefficients)
    {
        long total = 0;
        for (int i = 0; i < coefficients.Count; i++)
            if (coefficients[i] != 0) total += Binomial(inputs + i - 1, i);
        return total;
    }

    static long Binomial(int n, int k)
    {
        long r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }
}
