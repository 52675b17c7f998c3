using Basin.Data;
using Basin.Models;
using Basin.Tensors;
using System.Text.Json.Nodes;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Experiments;

/// <summary>What one deep-linear run measured along gradient descent.</summary>
internal sealed record DeepLinearRun(string Start, double[] Loss, double[] Balancedness, double DeficiencyMargin);

/// <summary>The experiment's numbers: the runs, and the Hessian's smallest eigenvalues at the two saddles at W = 0.</summary>
internal sealed record DeepLinearResult(int Depth, int Width, IReadOnlyList<DeepLinearRun> Runs, double[] NonStrictSaddleBottom, double[] StrictSaddleBottom);

/// <summary>
/// Arora, Cohen, Golowich and Hu (2018): deep linear nets W_N ... W_1 fitted to a linear target Phi by gradient
/// descent. From the balanced initialization (Procedure 1: W_1:N = A with its singular values spread evenly over the
/// layers, so W_{j+1}^T W_{j+1} = W_j W_j^T) balancedness max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F stays near zero
/// and the loss falls at a linear rate when A has a positive deficiency margin c = sigma_min(Phi) - ||A - Phi||_F.
/// At W = 0 the Hessian of a depth-2 net has negative eigenvalues (a strict saddle); from depth 3 it is zero there
/// (a non-strict saddle, where second-order methods see nothing).
/// </summary>
internal sealed class DeepLinear : Experiment
{
    public override string Name => "deep-linear";
    public override string Paper => "Arora, Cohen, Golowich and Hu (2018), A Convergence Analysis of Gradient Descent for Deep Linear Neural Networks";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("depth", "layers N", 3, 4, true),
        ("width", "width d", 4, 8, true),
        ("steps", "gradient descent steps", 300, 3000, true),
        ("lr", "learning rate", 0.3, 0.3, false),
    ];

    protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p)
    {
        int n = (int)p["depth"], d = (int)p["width"], t = (int)p["steps"];
        double lr = p["lr"];
        var result = Run(n, d, quick ? 200 : 1000, t, lr, seed);
        var balanced = result.Runs.Single(x => x.Start == "balanced");
        var random = result.Runs.Single(x => x.Start == "random");
        int half = Math.Min(t, 20);
        double rate = Math.Log(balanced.Loss[half] / balanced.Loss[0]) / half;
        Claim[] claims =
        [
            new("From the balanced initialization balancedness stays near zero along gradient descent",
                $"max over {t} steps {F(balanced.Balancedness.Max())} (random start: {F(random.Balancedness[0])} at step 0)", balanced.Balancedness.Max() < 1e-2),
            new("With a positive deficiency margin the loss converges at a linear rate",
                $"margin {F(balanced.DeficiencyMargin)}; loss {F(balanced.Loss[0])} -> {F(balanced.Loss[^1])}, log-rate {F(rate)} per step",
                balanced.DeficiencyMargin > 0 && balanced.Loss[^1] < 1e-8 * balanced.Loss[0]),
            new("W = 0 is a strict saddle for depth 2 (negative Hessian eigenvalues)", $"smallest eigenvalues {string.Join(", ", result.StrictSaddleBottom.Select(F))}", result.StrictSaddleBottom[0] < 0),
            new("W = 0 is a non-strict saddle from depth 3 (zero Hessian)", $"smallest eigenvalues {string.Join(", ", result.NonStrictSaddleBottom.Select(F))}", result.NonStrictSaddleBottom.All(l => Math.Abs(l) < 1e-12)),
        ];
        var json = new JsonObject
        {
            ["title"] = "Deep linear networks: balancedness and linear convergence",
            ["paper"] = Paper,
            ["settings"] = new JsonObject { ["depth"] = n, ["width"] = d, ["steps"] = t, ["learning_rate"] = lr, ["seed"] = seed, ["quick"] = quick },
            ["claims"] = ExperimentResult.ClaimsJson(claims),
            ["loss"] = new JsonObject(result.Runs.Select(x => new KeyValuePair<string, JsonNode?>(x.Start, new JsonArray(x.Loss.Select(v => (JsonNode)v).ToArray())))),
            ["balancedness"] = new JsonObject(result.Runs.Select(x => new KeyValuePair<string, JsonNode?>(x.Start, new JsonArray(x.Balancedness.Select(v => (JsonNode)v).ToArray())))),
        };
        Figure[] figures =
        [
            new("loss", "Training loss (log scale): a straight line is a linear rate", "step", "log10 loss")
                { Curves = result.Runs.Select(x => ($"{x.Start} start", x.Loss.Select(l => Math.Log10(Math.Max(l, 1e-300))).ToArray())).ToList() },
            new("balancedness", "Balancedness max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F", "step", "balancedness")
                { Curves = result.Runs.Select(x => ($"{x.Start} start", x.Balancedness)).ToList() },
        ];
        return new ExperimentResult(claims, json, figures);
    }

    internal static DeepLinearResult Run(int depth, int width, int examples, int steps, double learningRate, ulong seed)
    {
        var rng = new Rng(seed, 0xDEE9);
        var phi = Matrix<double>.Build.Dense(width, width, (_, _) => rng.NextGaussian() / Math.Sqrt(width)) + Matrix<double>.Build.DenseIdentity(width);
        var x = new float[examples * width];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        var y = new float[examples * width];
        for (int e = 0; e < examples; e++)
        for (int i = 0; i < width; i++)
        {
            double s = 0;
            for (int j = 0; j < width; j++) s += phi[i, j] * x[e * width + j];
            y[e * width + i] = (float)s;
        }
        var data = new DataSet("linear-regression", [width], x, null, 0, y, width);
        string spec = string.Join(",", Enumerable.Repeat($"linear({width},{width},bias=false)", depth));
        var network = ModelSpec.Build<double>(spec, [width]);
        var objective = new Objective.EmpiricalRisk<double>(network, data, "mse", 0, Math.Min(examples, 500), 0);

        // A near Phi with a positive deficiency margin: Phi plus a small random matrix.
        var noise = Matrix<double>.Build.Dense(width, width, (_, _) => rng.NextGaussian());
        var a = phi + noise * (0.3 * phi.Svd().S.Minimum() / noise.FrobeniusNorm());
        var balanced = Balanced(a, depth);
        var random = Enumerable.Range(0, depth).Select(_ => Matrix<double>.Build.Dense(width, width, (_, _) => 0.3 * rng.NextGaussian() / Math.Sqrt(width)) + Matrix<double>.Build.DenseIdentity(width)).ToArray();
        var runs = new List<DeepLinearRun>();
        foreach (var (name, start) in new[] { ("balanced", balanced), ("random", random) })
        {
            var theta = Flatten(start);
            var gradient = new double[theta.Length];
            var losses = new double[steps + 1];
            var balance = new double[steps + 1];
            double margin = phi.Svd().S.Minimum() - (Product(start) - phi).FrobeniusNorm();
            for (int s = 0; s <= steps; s++)
            {
                losses[s] = objective.Gradient(theta, gradient);
                balance[s] = Balancedness(Unflatten(theta, depth, width));
                if (s < steps) for (int i = 0; i < theta.Length; i++) theta[i] -= learningRate * gradient[i];
            }
            runs.Add(new DeepLinearRun(name, losses, balance, margin));
        }
        return new DeepLinearResult(depth, width, runs, SaddleBottom(Math.Max(3, depth), width, data), SaddleBottom(2, width, data));
    }

    /// <summary>Procedure 1: A = U S V^T, W_1 = S^(1/N) V^T, W_j = S^(1/N) (j = 2..N-1), W_N = U S^(1/N).</summary>
    internal static Matrix<double>[] Balanced(Matrix<double> a, int depth)
    {
        var svd = a.Svd();
        var root = Matrix<double>.Build.DenseOfDiagonalVector(svd.S.Map(s => Math.Pow(s, 1.0 / depth)));
        var layers = Enumerable.Range(0, depth).Select(_ => root.Clone()).ToArray();
        layers[0] = root * svd.VT;
        layers[depth - 1] = svd.U * (depth == 1 ? root * svd.VT : root);
        return layers;
    }

    /// <summary>max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F.</summary>
    internal static double Balancedness(Matrix<double>[] w) =>
        Enumerable.Range(0, w.Length - 1).Select(j => (w[j + 1].TransposeThisAndMultiply(w[j + 1]) - w[j] * w[j].Transpose()).FrobeniusNorm()).DefaultIfEmpty(0).Max();

    static Matrix<double> Product(Matrix<double>[] w) => w.Skip(1).Aggregate(w[0], (acc, next) => next * acc);

    static double[] Flatten(Matrix<double>[] w) => w.SelectMany(m => m.ToRowMajorArray()).ToArray();

    static Matrix<double>[] Unflatten(double[] theta, int depth, int width) =>
        Enumerable.Range(0, depth).Select(j => Matrix<double>.Build.Dense(width, width, (r, c) => theta[j * width * width + r * width + c])).ToArray();

    /// <summary>The three smallest Hessian eigenvalues at W = 0 (explicit matrix; the nets here are small).</summary>
    static double[] SaddleBottom(int depth, int width, DataSet data)
    {
        string spec = string.Join(",", Enumerable.Repeat($"linear({width},{width},bias=false)", depth));
        var network = ModelSpec.Build<double>(spec, [width]);
        var f = new Objective.EmpiricalRisk<double>(network, data, "mse", 0, 500, 0);
        var h = Curvature.DenseOperator.Materialize(new Curvature.HessianOperator<double>(f, new double[network.ParameterCount]));
        return Curvature.Spectrum.Dense(h).Reverse().Take(3).ToArray();
    }
}
