using Basin.Data;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Experiments;

/// <summary>One gradient-descent run of a deep linear net: the loss and balancedness at every step, and when it reached its target.</summary>
internal sealed record DescentRun(double[] Loss, double[] Balancedness, int? StepsToTarget)
{
    public bool Diverged => Loss.Any(l => !double.IsFinite(l));
}

/// <summary>
/// Arora et al.'s setting: a depth-N linear net W_N ... W_1 (d x d layers, no bias) fitted to y = Phi x on whitened inputs,
/// (1/m) sum x x^T = I, where their loss l(W) = 1/(2m) sum ||W_{1:N} x - y||^2 is exactly 1/2 ||W_{1:N} - Phi||_F^2. The
/// engine computes PyTorch's mean squared error, (1/(m d)) sum ||.||^2 = (2/d) l, and its gradient; both are rescaled
/// here. Phi = Q diag(s) R^T with rotations Q, R and singular values s evenly spaced in [1/2, 1], so sigma_min(Phi) = 1/2
/// and det Phi > 0.
/// </summary>
internal sealed class DeepLinearProblem
{
    public int Depth { get; }
    public int Width { get; }
    public Matrix<double> Phi { get; }
    /// <summary>The largest entry of (1/m) X^T X - I: how white the float32 inputs are.</summary>
    public double Whitening { get; }
    public DataSet Data => risk.Data;
    readonly EmpiricalRisk<double> risk;

    DeepLinearProblem(int depth, int width, Matrix<double> phi, EmpiricalRisk<double> risk, double whitening) =>
        (Depth, Width, Phi, this.risk, Whitening) = (depth, width, phi, risk, whitening);

    public static DeepLinearProblem Create(int depth, int width, ulong seed)
    {
        var rng = new Rng(seed, 0xDEE9);
        var s = Enumerable.Range(0, width).Select(i => width == 1 ? 1.0 : 1 - 0.5 * i / (width - 1)).ToArray();
        var phi = Rotation(width, rng) * Matrix<double>.Build.DenseOfDiagonalArray(s) * Rotation(width, rng).Transpose();
        int m = 4 * width;
        var q = Matrix<double>.Build.Dense(m, width, (_, _) => rng.NextGaussian()).QR().Q.SubMatrix(0, m, 0, width) * Math.Sqrt(m);
        var x = new float[m * width];
        var y = new float[m * width];
        for (int e = 0; e < m; e++)
        for (int i = 0; i < width; i++)
            x[e * width + i] = (float)q[e, i];
        for (int e = 0; e < m; e++)
        for (int i = 0; i < width; i++)
        {
            double v = 0;
            for (int j = 0; j < width; j++) v += phi[i, j] * x[e * width + j];
            y[e * width + i] = (float)v;
        }
        var xm = Matrix<double>.Build.Dense(m, width, (e, i) => x[e * width + i]);
        double whitening = (xm.TransposeThisAndMultiply(xm) / m - Matrix<double>.Build.DenseIdentity(width)).Enumerate().Max(Math.Abs);
        var data = new DataSet("whitened-linear-regression", [width], x, null, 0, y, width);
        var network = ModelSpec.Build<double>(Spec(depth, width), [width]);
        return new DeepLinearProblem(depth, width, phi, new EmpiricalRisk<double>(network, data, "mse", 0, m, 1), whitening);
    }

    public static string Spec(int depth, int width) => string.Join(",", Enumerable.Repeat($"linear({width},{width},bias=false)", depth));

    /// <summary>A uniformly random rotation (determinant +1).</summary>
    static Matrix<double> Rotation(int d, Rng rng)
    {
        var q = Matrix<double>.Build.Dense(d, d, (_, _) => rng.NextGaussian()).QR().Q;
        if (q.Determinant() < 0) q.SetColumn(0, -q.Column(0));
        return q;
    }

    public double SigmaMin => Phi.Svd().S.Minimum();

    /// <summary>The deficiency margin c = sigma_min(Phi) - ||A - Phi||_F of an end-to-end matrix A.</summary>
    public double Margin(Matrix<double> a) => SigmaMin - (a - Phi).FrobeniusNorm();

    /// <summary>Theorem 1's largest step size: c^((4N-2)/N) / (6144 N^3 ||Phi||_F^((6N-4)/N)).</summary>
    public double StepBound(double margin) =>
        Math.Pow(margin, (4.0 * Depth - 2) / Depth) / (6144 * Math.Pow(Depth, 3) * Math.Pow(Phi.FrobeniusNorm(), (6.0 * Depth - 4) / Depth));

    /// <summary>Theorem 1's largest initial unbalancedness: c^2 / (256 N^3 ||Phi||_F^(2(N-1)/N)).</summary>
    public double BalanceBound(double margin) => margin * margin / (256 * Math.Pow(Depth, 3) * Math.Pow(Phi.FrobeniusNorm(), 2.0 * (Depth - 1) / Depth));

    /// <summary>Theorem 1's rate: the loss stays below l(0) exp(-eta c^(2(N-1)/N) t).</summary>
    public double Rate(double eta, double margin) => eta * Math.Pow(margin, 2.0 * (Depth - 1) / Depth);

    /// <summary>
    /// Gradient descent on l from <paramref name="start"/> (layers W_1 first) with step <paramref name="eta"/>, stopping at
    /// a non-finite or exploding loss; StepsToTarget is the first step with l &lt;= <paramref name="target"/>.
    /// </summary>
    public DescentRun Descend(Matrix<double>[] start, double eta, int steps, double target = 0)
    {
        var theta = start.SelectMany(w => w.ToRowMajorArray()).ToArray();
        var gradient = new double[theta.Length];
        var loss = new double[steps + 1];
        var balance = new double[steps + 1];
        int? reached = null;
        double scale = Width / 2.0;
        for (int t = 0; t <= steps; t++)
        {
            loss[t] = scale * risk.Gradient(theta, gradient);
            balance[t] = Balancedness(Layers(theta));
            if (reached is null && loss[t] <= target) reached = t;
            if (!(loss[t] < 1e12))
            {
                Array.Fill(loss, double.NaN, t, steps + 1 - t);
                Array.Fill(balance, double.NaN, t, steps + 1 - t);
                break;
            }
            if (t < steps) for (int i = 0; i < theta.Length; i++) theta[i] -= eta * scale * gradient[i];
        }
        return new DescentRun(loss, balance, reached);
    }

    Matrix<double>[] Layers(double[] theta) =>
        Enumerable.Range(0, Depth).Select(j => Matrix<double>.Build.Dense(Width, Width, (r, c) => theta[j * Width * Width + r * Width + c])).ToArray();

    /// <summary>Procedure 1, the balanced initialization: A = U S V^T, W_1 = S^(1/N) V^T, W_j = S^(1/N), W_N = U S^(1/N).</summary>
    public static Matrix<double>[] Balanced(Matrix<double> a, int depth)
    {
        var svd = a.Svd();
        var root = Matrix<double>.Build.DenseOfDiagonalVector(svd.S.Map(s => Math.Pow(s, 1.0 / depth)));
        var layers = Enumerable.Range(0, depth).Select(_ => root.Clone()).ToArray();
        layers[0] = root * svd.VT;
        layers[depth - 1] = svd.U * (depth == 1 ? root * svd.VT : root);
        return layers;
    }

    /// <summary>max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F.</summary>
    public static double Balancedness(Matrix<double>[] w) =>
        Enumerable.Range(0, w.Length - 1).Select(j => (w[j + 1].TransposeThisAndMultiply(w[j + 1]) - w[j] * w[j].Transpose()).FrobeniusNorm()).DefaultIfEmpty(0).Max();

    public static Matrix<double> EndToEnd(Matrix<double>[] w) => w.Skip(1).Aggregate(w[0], (acc, next) => next * acc);
}
