using Basin.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Curvature;

/// <summary>A Lanczos run: the tridiagonal T = tridiag(beta, alpha, beta), its Ritz pairs and their residual norms.</summary>
internal sealed record LanczosResult(double[] Alpha, double[] Beta, double[] RitzValues, double[] Residuals, double[] FirstComponents)
{
    public int Steps => Alpha.Length;
}

/// <summary>
/// Lanczos with full reorthogonalization against every earlier vector, so Ritz values do not repeat (no ghost
/// eigenvalues). Ritz values come sorted descending; the residual ||A y - theta y|| of each Ritz pair is
/// |beta_m s_m| (Parlett), reported so a caller can see which values have converged.
/// </summary>
internal static class Lanczos
{
    public static LanczosResult Run(ILinearOperator op, int steps, double[] start)
    {
        int n = op.Dimension;
        steps = Math.Min(steps, n);
        // Full reorthogonalization keeps every basis vector.
        MemoryBudget.Require(8.0 * (steps + 2) * n, $"{steps} Lanczos steps over {n:N0} parameters",
            "ask for fewer eigenvalues or {lanczos-steps}, or fewer SLQ {density-steps}");
        var basis = new List<double[]>();
        var alpha = new List<double>();
        var beta = new List<double>();
        var v = (double[])start.Clone();
        Vectors.Scale(v, 1 / Vectors.Norm(v));
        var w = new double[n];
        double previousBeta = 0;
        for (int j = 0; j < steps; j++)
        {
            basis.Add(v);
            op.Apply(v, w);
            double a = Vectors.Dot(w, v);
            alpha.Add(a);
            Vectors.Orthogonalize(w, basis);
            double b = Vectors.Norm(w);
            if (j == steps - 1 || b <= 1e-12 * Math.Max(1, Math.Abs(a) + previousBeta))
            {
                beta.Add(b);
                break;
            }
            beta.Add(b);
            previousBeta = b;
            v = new double[n];
            for (int i = 0; i < n; i++) v[i] = w[i] / b;
        }
        return Ritz(alpha.ToArray(), beta.ToArray());
    }

    /// <summary>Eigen-decomposition of the tridiagonal matrix (small: a dense symmetric solver is fine).</summary>
    internal static LanczosResult Ritz(double[] alpha, double[] beta)
    {
        int m = alpha.Length;
        var t = Matrix<double>.Build.Dense(m, m);
        for (int i = 0; i < m; i++)
        {
            t[i, i] = alpha[i];
            if (i + 1 < m) t[i, i + 1] = t[i + 1, i] = beta[i];
        }
        var evd = t.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, m).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        var values = order.Select(i => evd.EigenValues[i].Real).ToArray();
        var residuals = order.Select(i => Math.Abs(beta[m - 1] * evd.EigenVectors[m - 1, i])).ToArray();
        var first = order.Select(i => evd.EigenVectors[0, i] * evd.EigenVectors[0, i]).ToArray();
        return new LanczosResult(alpha, beta, values, residuals, first);
    }
}
