using System.Numerics.Tensors;
using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>Small float64 vector helpers for the estimators (not hot loops: one operator product dominates each step).</summary>
internal static class Vectors
{
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => TensorPrimitives.Dot(a, b);
    public static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    /// <summary>(a . b, ||b||) in one pass over both.</summary>
    public static (double Dot, double Norm) DotAndNorm(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int v = System.Numerics.Vector<double>.Count, i = 0;
        var dot = System.Numerics.Vector<double>.Zero;
        var square = System.Numerics.Vector<double>.Zero;
        for (; i <= b.Length - v; i += v)
        {
            var x = new System.Numerics.Vector<double>(a.Slice(i, v));
            var y = new System.Numerics.Vector<double>(b.Slice(i, v));
            dot = System.Numerics.Vector.FusedMultiplyAdd(x, y, dot);
            square = System.Numerics.Vector.FusedMultiplyAdd(y, y, square);
        }
        double d = System.Numerics.Vector.Sum(dot), s = System.Numerics.Vector.Sum(square);
        for (; i < b.Length; i++) { d += a[i] * b[i]; s += b[i] * b[i]; }
        return (d, Math.Sqrt(s));
    }

    /// <summary>y += c x.</summary>
    public static void Axpy(double c, ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.MultiplyAdd(x, c, y, y);

    public static void Scale(Span<double> x, double c) => TensorPrimitives.Multiply(x, c, x);

    /// <summary>Standard normal entries by Box-Muller, the transcendental functions applied a vector at a time.</summary>
    public static double[] Gaussian(int n, Rng rng)
    {
        int pairs = (n + 1) / 2;
        var radius = new double[pairs];
        var angle = new double[pairs];
        for (int i = 0; i < pairs; i++)
        {
            radius[i] = 1.0 - rng.NextDouble();
            angle[i] = 2 * Math.PI * rng.NextDouble();
        }
        TensorPrimitives.Log(radius, radius);
        TensorPrimitives.Multiply(radius, -2.0, radius);
        TensorPrimitives.Sqrt(radius, radius);
        var sin = new double[pairs];
        var cos = new double[pairs];
        TensorPrimitives.SinCos(angle, sin, cos);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = radius[i / 2] * ((i & 1) == 0 ? cos[i / 2] : sin[i / 2]);
        return v;
    }

    /// <summary>Entries of +-1, one random bit each.</summary>
    public static double[] Rademacher(int n, Rng rng)
    {
        var v = new double[n];
        ulong bits = 0;
        for (int i = 0; i < n; i++)
        {
            if ((i & 63) == 0) bits = rng.NextULong();
            v[i] = (bits & 1) == 0 ? -1 : 1;
            bits >>= 1;
        }
        return v;
    }

    /// <summary>Removes from v its components along the rows of basis (twice: classical Gram-Schmidt, reorthogonalized).</summary>
    public static void Orthogonalize(Span<double> v, IReadOnlyList<double[]> basis)
    {
        for (int pass = 0; pass < 2; pass++)
            foreach (var q in basis) Axpy(-Dot(v, q), q, v);
    }
}
