using System.Buffers;
using Basin.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Curvature;

/// <summary>Eigenvalues with the residual norm of each, largest first (or smallest first for the bottom of the spectrum).</summary>
public sealed record Eigenpairs(double[] Values, double[] Residuals, int Products);

/// <summary>
/// How many extreme eigenvalues Lanczos looks for, in how many steps (default 3 Count + 40, at least 60), and how many
/// threads its vector work may use (0: every core; the results do not depend on it).
/// </summary>
public sealed record LanczosOptions(int Count)
{
    public int? Steps { get; init; }
    public int Threads { get; init; }
}

/// <summary>
/// Power iteration with deflation for Count eigenvalues, each iterated until its Rayleigh quotient changes by less than
/// Tolerance relatively or MaxIterations products (PyHessian's defaults: 100 and 1e-3).
/// </summary>
public sealed record PowerOptions(int Count)
{
    public int MaxIterations { get; init; } = 100;
    public double Tolerance { get; init; } = 1e-3;
    public int Threads { get; init; }
}

/// <summary>Extreme eigenvalues of symmetric operators: Lanczos (default), power iteration with deflation, dense.</summary>
public static class Spectrum
{
    /// <summary>Lanczos steps used for k eigenvalues unless asked otherwise.</summary>
    public static int DefaultSteps(int k, int dimension) => Math.Min(dimension, Math.Max(3 * k + 40, 60));

    /// <summary>The Count largest (algebraic) eigenvalues, descending.</summary>
    public static Eigenpairs Top(ILinearOperator op, LanczosOptions options, ulong seed)
    {
        var run = RunLanczos(op, options, seed);
        int k = Math.Min(options.Count, run.Steps);
        return new Eigenpairs(run.RitzValues[..k], run.Residuals[..k], run.Steps);
    }

    /// <summary>The Count smallest (algebraic) eigenvalues, ascending: negative ones reveal a saddle and its index.</summary>
    public static Eigenpairs Bottom(ILinearOperator op, LanczosOptions options, ulong seed)
    {
        var run = RunLanczos(op, options, seed);
        int k = Math.Min(options.Count, run.Steps), m = run.Steps;
        return new Eigenpairs(Enumerable.Range(0, k).Select(i => run.RitzValues[m - 1 - i]).ToArray(),
            Enumerable.Range(0, k).Select(i => run.Residuals[m - 1 - i]).ToArray(), run.Steps);
    }

    /// <summary>
    /// The largest and smallest (algebraic) eigenvalue from one Lanczos run of <paramref name="steps"/> steps (exact once
    /// the steps reach the dimension): loss-landscape's max_eig and min_eig for its convexity map |min / max|.
    /// </summary>
    public static (double Max, double Min) Extremes(ILinearOperator op, int steps, ulong seed)
    {
        var run = RunLanczos(op, new LanczosOptions(1) { Steps = Math.Min(steps, op.Dimension) }, seed);
        return (run.RitzValues[0], run.RitzValues[run.Steps - 1]);
    }

    static LanczosResult RunLanczos(ILinearOperator op, LanczosOptions options, ulong seed) =>
        Lanczos.Run(op, options.Steps ?? DefaultSteps(options.Count, op.Dimension),
            Vectors.Gaussian(op.Dimension, new Rng(seed, 0x1A2C05), Executor.Threads(options.Threads)));

    /// <summary>
    /// Power iteration with deflation (PyHessian's method, for comparison): the k eigenvalues of largest magnitude,
    /// each iterated until the Rayleigh quotient changes by less than tol relatively, with its residual norm.
    /// </summary>
    public static Eigenpairs Power(ILinearOperator op, PowerOptions options, ulong seed)
    {
        int n = op.Dimension, products = 0, k = options.Count, maxIterations = options.MaxIterations, threads = Executor.Threads(options.Threads);
        double tol = options.Tolerance;
        MemoryBudget.Require(8.0 * (k + 1) * n, $"{k} power-iteration eigenvectors over {n:N0} parameters", "ask for fewer {power} eigenvalues");
        var rng = new Rng(seed, 0x90E7);
        // Pooled vectors: a call allocates (and the OS zeroes) no new pages once the pool holds them.
        var pool = ArrayPool<double>.Shared;
        var found = new List<(double Value, double[] Vector)>();
        var residuals = new List<double>();
        var product = pool.Rent(n);
        var w = product.AsSpan(0, n);
        for (int e = 0; e < k; e++)
        {
            var vector = pool.Rent(n);
            var v = vector.AsSpan(0, n);
            Vectors.Gaussian(v, rng, threads);
            Vectors.Scale(v, 1 / Vectors.Norm(v));
            double lambda = 0, residual = 0;
            for (int it = 0; it < maxIterations; it++)
            {
                // The pair reported is (v . Hv, v) with ||Hv - lambda v||: no extra product after the last iteration.
                Deflated(op, found, v, w);
                products++;
                var (next, norm) = Vectors.DotAndNorm(v, w, threads);
                bool done = Math.Abs(next - lambda) <= tol * Math.Abs(next) || it == maxIterations - 1;
                lambda = next;
                if (norm == 0) { residual = 0; break; }
                if (done)
                {
                    Vectors.Axpy(-lambda, v, w);
                    residual = Vectors.Norm(w);
                    break;
                }
                Vectors.Scale(w, 1 / norm, v, threads);
            }
            found.Add((lambda, vector));
            residuals.Add(residual);
        }
        foreach (var (_, vector) in found) pool.Return(vector);
        pool.Return(product);
        return new Eigenpairs(found.Select(f => f.Value).ToArray(), residuals.ToArray(), products);
    }

    static void Deflated(ILinearOperator op, List<(double Value, double[] Vector)> found, ReadOnlySpan<double> v, Span<double> w)
    {
        op.Apply(v, w);
        foreach (var (value, u) in found) Vectors.Axpy(-value * Vectors.Dot(u.AsSpan(0, v.Length), v), u.AsSpan(0, v.Length), w);
    }

    /// <summary>
    /// Every eigenvalue of the operator's explicit matrix (built column by column: one product per dimension), descending,
    /// with its exact trace and Frobenius norm; for small models (up to 5,000 parameters).
    /// </summary>
    public static (double[] Eigenvalues, double Trace, double Frobenius) Exact(ILinearOperator op)
    {
        int n = op.Dimension;
        if (n > 5000)
            throw new BasinException("{exact}", $"{n} parameters: the matrix would take {n} products and {8.0 * n * n / 1e9:F1} GB",
                "use {top}/{trace} on nets this large; {exact} is for up to 5,000 parameters");
        MemoryBudget.Require(3 * 8.0 * n * n, $"the explicit {n} x {n} matrix", "use {top}/{trace} instead of {exact}");
        var matrix = DenseOperator.Materialize(op);
        var all = Dense(matrix);
        double trace = 0, frobenius = 0;
        for (int i = 0; i < n; i++)
        {
            trace += matrix[i, i];
            for (int j = 0; j < n; j++) frobenius += matrix[i, j] * matrix[i, j];
        }
        return (all, trace, Math.Sqrt(frobenius));
    }

    /// <summary>All eigenvalues of an explicit symmetric matrix, descending (dense solver; small nets).</summary>
    public static double[] Dense(double[,] matrix)
    {
        var m = Matrix<double>.Build.DenseOfArray(matrix);
        var sym = (m + m.Transpose()) / 2;
        return sym.Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderByDescending(x => x).ToArray();
    }
}
