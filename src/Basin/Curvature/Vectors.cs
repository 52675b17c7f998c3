using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>Small float64 vector helpers for the estimators (not hot loops: one operator product dominates each step).</summary>
internal static class Vectors
{
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
    public static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    /// <summary>y += c x.</summary>
    public static void Axpy(double c, ReadOnlySpan<double> x, Span<double> y) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x, c, y, y);

    public static void Scale(Span<double> x, double c) => System.Numerics.Tensors.TensorPrimitives.Multiply(x, c, x);

    public static double[] Gaussian(int n, Rng rng)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextGaussian();
        return v;
    }

    public static double[] Rademacher(int n, Rng rng)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (rng.NextULong() & 1) == 0 ? -1 : 1;
        return v;
    }

    /// <summary>Removes from v its components along the rows of basis (twice: classical Gram-Schmidt, reorthogonalized).</summary>
    public static void Orthogonalize(Span<double> v, IReadOnlyList<double[]> basis)
    {
        for (int pass = 0; pass < 2; pass++)
            foreach (var q in basis) Axpy(-Dot(v, q), q, v);
    }
}
