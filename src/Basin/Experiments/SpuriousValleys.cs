using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;
using Basin.Tensors;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>One width of the sweep: how many seeds reached the global minimum (zero loss on a realizable target).</summary>
internal sealed record WidthResult(string Activation, int Width, int Reached, int Seeds, double[] FinalLosses, double[][] Minima, double LineBarrier,
    double CurveBarrier);

/// <summary>
/// Venturi, Bandeira and Bruna: two-layer nets f(x) = sum_j a_j sigma(w_j . x). For a polynomial activation the
/// functions x -> sigma(w . x) span a space whose dimension (the intrinsic dimension) is the number of monomials of
/// the degrees sigma uses; above it there are no spurious valleys. For sigma(z) = z^2 and one output, width
/// p &gt;= 2n + 1 suffices (their Theorem 5): gradient descent from any start reaches the global minimum.
/// </summary>
internal sealed class SpuriousValleys : Experiment
{
    public override string Name => "spurious-valleys";
    public override string Paper => "Venturi, Bandeira and Bruna (2019), Spurious Valleys in Two-layer Neural Network Optimization Landscapes";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("inputs", "input dimension n", 3, 3, true),
        ("seeds", "random starts per width", 5, 20, true),
        ("steps", "Adam steps per run", 3000, 10000, true),
    ];

    protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p)
    {
        int n = (int)p["inputs"], k = (int)p["seeds"], t = (int)p["steps"];
        var activations = new (string Spec, string Name, double[]? Poly)[]
        {
            ("identity", "linear", [0, 1]), ("square", "quadratic", [0, 0, 1]), ("poly(0,0,1,0.5)", "cubic polynomial", [0, 0, 1, 0.5]), ("relu", "ReLU", null),
        };
        int[] widths = quick ? [1, 2, n, 2 * n + 1] : Enumerable.Range(1, 2 * n + 3).ToArray();
        var sweeps = activations.Select(a => (a, Sweep(a.Spec, n, teacherWidth: 2, widths, k, t, quick ? 60 : 200, 0.02, seed: seed))).ToList();
        var quadratic = sweeps.Single(s => s.a.Name == "quadratic").Item2;
        var wide = quadratic.Where(w => w.Width >= 2 * n + 1).ToList();
        Claim[] claims =
        [
            new($"Quadratic nets with p >= 2n+1 = {2 * n + 1} reach the global minimum from every start",
                string.Join("; ", wide.Select(w => $"p = {w.Width}: {w.Reached}/{w.Seeds}")), wide.All(w => w.Reached == w.Seeds)),
            new("Two global minima of such a net are joined inside a low sublevel set (trained Bezier curve vs straight line)",
                string.Join("; ", wide.Select(w => $"p = {w.Width}: curve barrier {F(w.CurveBarrier)}, line barrier {F(w.LineBarrier)}")),
                wide.All(w => w.CurveBarrier <= 0.1 * Math.Max(w.LineBarrier, 0) + 1e-6)),
        ];
        var table = new JsonArray(sweeps.SelectMany(s => s.Item2).Select(w => (JsonNode)new JsonObject
        {
            ["activation"] = w.Activation, ["width"] = w.Width, ["reached"] = w.Reached, ["seeds"] = w.Seeds,
            ["line_barrier"] = JsonValues.Number(w.LineBarrier), ["curve_barrier"] = JsonValues.Number(w.CurveBarrier),
        }).ToArray());
        var dims = new JsonObject(activations.Where(a => a.Poly is not null)
            .Select(a => new KeyValuePair<string, JsonNode?>(a.Name, IntrinsicDimension(n, a.Poly!))));
        var json = new JsonObject
        {
            ["title"] = "Spurious valleys: width sweeps of two-layer networks",
            ["paper"] = Paper,
            ["settings"] = new JsonObject { ["inputs"] = n, ["seeds"] = k, ["steps"] = t, ["widths"] = string.Join(",", widths), ["teacher_width"] = 2, ["quick"] = quick },
            ["claims"] = ExperimentResult.ClaimsJson(claims),
            ["intrinsic_dimension"] = dims,
            ["sweep"] = table,
        };
        Figure[] figures =
        [
            new("reached", $"Fraction of runs reaching the global minimum (n = {n} inputs)", "width p", "fraction reached")
            {
                Curves = sweeps.Select(s => (s.a.Name, s.Item2.Select(w => (double)w.Reached / w.Seeds).ToArray())).ToList(),
                X = widths.Select(w => (double)w).ToArray(),
                Marker = (2 * n + 1, "p = 2n+1"),
            },
        ];
        return new ExperimentResult(claims, json, figures)
        {
            Summary = [.. dims.Select(kv => $"intrinsic dimension of the {kv.Key} activation on {n} inputs: {kv.Value}"),
                .. sweeps.Select(s => $"{s.a.Name,-18} " + string.Join("  ", s.Item2.Select(w => $"p={w.Width}: {w.Reached}/{w.Seeds}")))],
        };
    }

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

    /// <summary>Spec of a two-layer net of the given activation (linear, square, poly(...), relu) and width.</summary>
    internal static string Spec(string activation, int inputs, int width) =>
        $"linear({inputs},{width},bias=false),{activation},linear({width},1,bias=false)";

    /// <summary>
    /// Trains width-p nets from <paramref name="seeds"/> random starts with Adam on a target produced by a random
    /// teacher of the same activation and width <paramref name="teacherWidth"/> (so the global minimum is zero);
    /// a run reaches it when its loss falls below <paramref name="tolerance"/> times the loss at the start.
    /// </summary>
    internal static List<WidthResult> Sweep(string activation, int inputs, int teacherWidth, IEnumerable<int> widths, int seeds, int steps,
        int examples, double learningRate = 0.01, double tolerance = 1e-4, ulong seed = 0)
    {
        var rng = new Rng(seed, 0x5FA1);
        var x = new float[examples * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        var teacher = ModelSpec.Build<double>(Spec(activation, inputs, teacherWidth), [inputs]);
        var teacherTheta = Initialization.Create<double>(teacher.Layout, "gaussian:0.7", seed + 1000);
        var ws = teacher.CreateWorkspace(examples);
        teacher.Forward(teacherTheta, x.Select(v => (double)v).ToArray(), examples, ws);
        var y = ws.Output(examples).ToArray().Select(v => (float)v).ToArray();
        var data = new DataSet("teacher", [inputs], x, null, 0, y, 1);
        var results = new List<WidthResult>();
        foreach (int width in widths)
        {
            var network = ModelSpec.Build<double>(Spec(activation, inputs, width), [inputs]);
            var f = new Objective.EmpiricalRisk<double>(network, data, "mse", 0, examples, 1);
            var finals = new double[seeds];
            var minima = new double[seeds][];
            int reached = 0;
            var gradient = new double[network.ParameterCount];
            for (int s = 0; s < seeds; s++)
            {
                var theta = Initialization.Create<double>(network.Layout, "gaussian:0.5", (ulong)(s + 1) * 7919 + (ulong)width);
                var adam = new Adam<double>();
                double start = f.Gradient(theta, gradient), loss = start;
                for (int t = 0; t < steps && loss > tolerance * start; t++)
                {
                    adam.Step(theta, gradient, learningRate);
                    loss = f.Gradient(theta, gradient);
                }
                finals[s] = loss / start;
                minima[s] = theta;
                if (loss <= tolerance * start) reached++;
            }
            results.Add(new WidthResult(activation, width, reached, seeds, finals, minima,
                seeds > 1 ? LineBarrier(f, minima[0], minima[1]) : double.NaN, seeds > 1 ? CurveBarrier(f, minima[0], minima[1]) : double.NaN));
        }
        return results;
    }

    /// <summary>Highest loss on the straight segment between two solutions minus the larger end (a connectivity check).</summary>
    static double LineBarrier(Objective.EmpiricalRisk<double> f, double[] a, double[] b)
    {
        double[] t = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();
        var results = new Objective.Evaluation[t.Length];
        f.EvaluatePlane(a, b.Select((v, i) => v - a[i]).ToArray(), [], t, new double[t.Length], results);
        return Connectivity.Barrier.Of(results.Select(e => e.Loss).ToArray());
    }

    /// <summary>The barrier left on a one-bend Bezier curve trained between two solutions (a low-loss path if near 0).</summary>
    static double CurveBarrier(Objective.EmpiricalRisk<double> f, double[] a, double[] b)
    {
        var curve = new Connectivity.Curve(Connectivity.CurveKind.Bezier, a, b, 1);
        Connectivity.CurveTraining.Train(curve, f, epochs: 400, batch: f.Count, learningRate: 0.01, momentum: 0.9, seed: 1);
        return Connectivity.Barrier.Of(Enumerable.Range(0, 21).Select(i => f.Evaluate(curve.At(i / 20.0)).Loss).ToArray());
    }
}
