using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>A trace estimate with its standard error (0 when exact) and the products it took.</summary>
public sealed record TraceEstimate(double Value, double StandardError, int Products);

/// <summary>
/// Random probes for the trace and Frobenius estimators: at most MaxProbes (Frobenius: exactly that many; Hutch++: that
/// many products in all), Hutchinson stopping once its standard error is at most RelativeTolerance of the estimate, after
/// MinProbes.
/// </summary>
public sealed record ProbeOptions
{
    public int MaxProbes { get; init; } = 200;
    public double RelativeTolerance { get; init; } = 0.01;
    public int MinProbes { get; init; } = 10;
}

/// <summary>Trace and Frobenius norm of symmetric operators: Hutchinson, Hutch++ and exact.</summary>
public static class Trace
{
    /// <summary>
    /// Hutchinson's estimator with Rademacher probes z: mean of z^T A z, stopping once the standard error of the
    /// mean is at most RelativeTolerance x |mean| (after MinProbes) or at MaxProbes. Unlike a fixed two-probe loop,
    /// the error is reported.
    /// </summary>
    public static TraceEstimate Hutchinson(ILinearOperator op, ProbeOptions options, ulong seed)
    {
        int maxProbes = options.MaxProbes, minProbes = options.MinProbes;
        double relativeTolerance = options.RelativeTolerance;
        var rng = new Rng(seed, 0x7A11);
        var z = new double[op.Dimension];
        var samples = new RunningMean();
        while (samples.Count < maxProbes)
        {
            Vectors.Rademacher(z, rng);
            samples.Add(op.Quadratic(z));
            if (samples.Count >= minProbes && samples.StandardError <= relativeTolerance * Math.Abs(samples.Mean)) break;
        }
        return new TraceEstimate(samples.Mean, samples.StandardError, samples.Count);
    }

    /// <summary>
    /// Hutch++ (Meyer, Musco, Musco and Woodruff 2021) with about MaxProbes products: the trace of A on the range of
    /// A S exactly, plus Hutchinson on the rest. The standard error is that of the Hutchinson part.
    /// </summary>
    public static TraceEstimate HutchPlusPlus(ILinearOperator op, ProbeOptions options, ulong seed)
    {
        int products = options.MaxProbes, n = op.Dimension, k = Math.Max(1, products / 3);
        MemoryBudget.Require(8.0 * (k + 2) * n, $"Hutch++ with {products} products over {n:N0} parameters", "use fewer {hutchpp} products");
        var rng = new Rng(seed, 0x4A7C);
        var q = new List<double[]>();
        var s = new double[n];
        for (int i = 0; i < k; i++)
        {
            Vectors.Rademacher(s, rng);
            var col = new double[n];
            op.Apply(s, col);
            Vectors.Orthogonalize(col, q);
            double norm = Vectors.Norm(col);
            if (norm > 1e-12) { Vectors.Scale(col, 1 / norm); q.Add(col); }
        }
        double exact = 0;
        foreach (var qi in q) exact += op.Quadratic(qi);
        var rest = new RunningMean();
        for (int i = 0; i < k; i++)
        {
            Vectors.Rademacher(s, rng);
            Vectors.Orthogonalize(s, q);
            rest.Add(op.Quadratic(s));
        }
        return new TraceEstimate(exact + rest.Mean, rest.StandardError, 2 * q.Count + k);
    }

    /// <summary>tr A = sum_i e_i^T A e_i, one product per dimension (small nets).</summary>
    public static TraceEstimate Exact(ILinearOperator op)
    {
        int n = op.Dimension;
        var e = new double[n];
        var y = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            e[i] = 1;
            op.Apply(e, y);
            e[i] = 0;
            sum += y[i];
        }
        return new TraceEstimate(sum, 0, n);
    }

    /// <summary>||A||_F^2 from E||A z||^2 over MaxProbes Rademacher probes (mean and standard error of the square).</summary>
    public static TraceEstimate FrobeniusSquared(ILinearOperator op, ProbeOptions options, ulong seed)
    {
        int probes = options.MaxProbes;
        var rng = new Rng(seed, 0xF70B);
        var y = new double[op.Dimension];
        var z = new double[op.Dimension];
        var samples = new RunningMean();
        for (int k = 1; k <= probes; k++)
        {
            Vectors.Rademacher(z, rng);
            op.Apply(z, y);
            samples.Add(Vectors.Dot(y, y));
        }
        return new TraceEstimate(samples.Mean, samples.StandardError, probes);
    }
}
