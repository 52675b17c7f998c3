using Basin.Curvature;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>Where a run ended: at a global minimum, a saddle, a local minimum of positive loss (spurious), or not at a stationary point.</summary>
internal enum Ending { Global, Saddle, SpuriousMinimum, NotConverged }

/// <summary>One run: its ending, its final loss (the targets have unit variance), gradient norm, the Hessian's extreme eigenvalues there, and its weights.</summary>
internal sealed record ValleyRun(int Teacher, int Width, Ending Ending, double Loss, double GradientNorm, double SmallestEigenvalue, double LargestEigenvalue,
    double[] Theta);

/// <summary>
/// The trainings of the spurious-valleys experiment: two-layer nets f(x) = sum_j a_j sigma(w_j . x) fitted by squared loss
/// to teachers of the same form and width 2 (so the global minimum is zero), from seeded random starts, by Adam for a
/// budget and then Levenberg-Marquardt until the loss or the gradient vanishes, so that every run ends at a point that
/// can be classified by its loss, gradient and explicit Hessian.
/// </summary>
internal sealed class SpuriousValleysRuns(string activation, int inputs, int examples, int steps, bool hinges = false)
{
    /// <summary>A run at loss below this (targets of unit variance) reached the global minimum.</summary>
    public const double GlobalLoss = 1e-12;
    /// <summary>A run with gradient norm below this is at a stationary point.</summary>
    public const double StationaryGradient = 1e-7;
    /// <summary>A stationary point whose smallest Hessian eigenvalue is below -this x the largest is a saddle.</summary>
    public const double NegativeCurvature = 1e-6;

    public string Activation => activation;
    public int Inputs => inputs;

    public static string Spec(string activation, int inputs, int width) =>
        $"linear({inputs},{width},bias=false),{activation},linear({width},1,bias=false)";

    /// <summary>
    /// Teacher k's data. Gaussian inputs for polynomial activations; for ReLU (<c>hinges</c>) x = (t, 1) on a grid of
    /// t in [-1, 1], where a unit w can be inactive on every example. Teacher 0 has output weights of one sign, teacher 1
    /// of mixed signs, the others drawn at random; targets are scaled to unit variance.
    /// </summary>
    public DataSet Data(int teacher, ulong seed)
    {
        var rng = new Rng(seed + (ulong)teacher, 0x5FA1);
        var x = new double[examples * inputs];
        for (int i = 0; i < examples; i++)
            for (int j = 0; j < inputs; j++)
                x[i * inputs + j] = hinges ? (j == 0 ? -1 + 2.0 * i / (examples - 1) : 1) : rng.NextGaussian();
        var net = ModelSpec.Build<double>(Spec(activation, inputs, 2), [inputs]);
        var theta = new double[net.ParameterCount];
        for (int i = 0; i < 2 * inputs; i++) theta[i] = rng.NextGaussian() / Math.Sqrt(inputs);
        if (hinges)
        {
            // Two hinges inside [-1, 1] facing opposite ways: relu(t - c) and relu(-t - c').
            theta[0] = 1; theta[1] = -0.5 * rng.NextDouble();
            theta[2] = -1; theta[3] = -0.5 * rng.NextDouble();
        }
        (theta[2 * inputs], theta[2 * inputs + 1]) = teacher switch { 0 => (1.0, 1.0), 1 => (1.0, -1.0), _ => (rng.NextGaussian(), rng.NextGaussian()) };
        var ws = net.CreateWorkspace(examples);
        net.Forward(theta, x, examples, ws);
        var y = ws.Output(examples).ToArray();
        double mean = y.Average(), sd = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / y.Length);
        return new DataSet($"teacher-{teacher}", [inputs], x.Select(v => (float)v).ToArray(), null, 0, y.Select(v => (float)(v / sd)).ToArray(), 1);
    }

    /// <summary>One run from start <paramref name="start"/> at the given width, trained and classified.</summary>
    public ValleyRun Run(DataSet data, int teacher, int width, int start, ulong seed)
    {
        var network = ModelSpec.Build<double>(Spec(activation, inputs, width), [inputs]);
        var risk = new EmpiricalRisk<double>(network, data, "mse", 0, examples, 1);
        var theta = Initialization.Create<double>(network.Layout, "gaussian:0.5", seed * 1_000_003 + (ulong)(teacher * 7919 + width * 104729 + start));
        var gradient = new double[theta.Length];
        var adam = new Adam<double>();
        double loss = risk.Gradient(theta, gradient);
        for (int t = 0; t < steps && loss > GlobalLoss && LevenbergMarquardt.Norm(gradient) > StationaryGradient; t++)
        {
            adam.Step(theta, gradient, 0.01);
            loss = risk.Gradient(theta, gradient);
        }
        var (final, gradientNorm) = LevenbergMarquardt.Minimize(risk, theta, 100);
        if (final <= GlobalLoss) return new ValleyRun(teacher, width, Ending.Global, final, gradientNorm, double.NaN, double.NaN, theta);
        if (gradientNorm > StationaryGradient) return new ValleyRun(teacher, width, Ending.NotConverged, final, gradientNorm, double.NaN, double.NaN, theta);
        var eigenvalues = Spectrum.Dense(DenseOperator.Materialize(new HessianOperator<double>(risk, theta)));
        double smallest = eigenvalues.Min(), largest = eigenvalues.Max();
        return new ValleyRun(teacher, width, smallest < -NegativeCurvature * Math.Abs(largest) ? Ending.Saddle : Ending.SpuriousMinimum, final, gradientNorm,
            smallest, largest, theta);
    }

    /// <summary>Every teacher x start at every width, the runs spread over the cores (each run is sequential and seeded, so the result does not depend on them).</summary>
    public ValleyRun[][] Sweep(int[] widths, int teachers, int starts, ulong seed)
    {
        var data = Enumerable.Range(0, teachers).Select(k => Data(k, seed)).ToArray();
        var jobs = widths.SelectMany(w => Enumerable.Range(0, teachers).SelectMany(k => Enumerable.Range(0, starts).Select(s => (w, k, s)))).ToArray();
        var runs = new ValleyRun[jobs.Length];
        Parallel.For(0, jobs.Length, i => runs[i] = Run(data[jobs[i].k], jobs[i].k, jobs[i].w, jobs[i].s, seed));
        return widths.Select(w => runs.Where(r => r.Width == w).ToArray()).ToArray();
    }

    /// <summary>The barrier on the straight segment between two solutions and on a one-bend Bezier curve trained between them.</summary>
    public (double Line, double Curve) Barriers(DataSet data, ValleyRun a, ValleyRun b)
    {
        var network = ModelSpec.Build<double>(Spec(activation, inputs, a.Width), [inputs]);
        var f = new EmpiricalRisk<double>(network, data, "mse", 0, examples, 1);
        var line = StraightLine.Evaluate(f, a.Theta, b.Theta, Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray());
        var curve = new Connectivity.Curve(Connectivity.CurveKind.Bezier, a.Theta, b.Theta, 1);
        Connectivity.CurveTraining.Train(curve, f, epochs: 5000, batch: f.Count, learningRate: 0.01, momentum: 0.9, seed: 1);
        return (Connectivity.Barrier.Of(line.Select(e => e.Loss).ToArray()),
            Connectivity.Barrier.Of(Enumerable.Range(0, 41).Select(i => f.Evaluate(curve.At(i / 40.0)).Loss).ToArray()));
    }
}
