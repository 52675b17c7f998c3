using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>
/// Small float64 vector helpers for the estimators: one operator product dominates each step, but the passes over
/// vectors of a million parameters beside it are memory-bound, so the ones every power iteration makes share out the work.
/// </summary>
internal static class Vectors
{
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => TensorPrimitives.Dot(a, b);
    public static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    /// <summary>
    /// (a . b, ||b||) in one pass over both, in fixed chunks shared out to up to <paramref name="threads"/> workers and
    /// summed in chunk order (the same bits for any thread count).
    /// </summary>
    public static (double Dot, double Norm) DotAndNorm(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int threads = 1)
    {
        if (a.Length != b.Length) throw new ArgumentException("lengths differ", nameof(b));
        int chunks = (b.Length + Executor.Chunk - 1) / Executor.Chunk;
        var partial = ArrayPool<double>.Shared.Rent(2 * Math.Max(chunks, 1));
        unsafe
        {
            fixed (double* pa = a, pb = b) Executor.ForChunks(b.Length, threads, new DotAndSquareChunks(pa, pb, partial));
        }
        double d = 0, s = 0;
        for (int c = 0; c < chunks; c++) { d += partial[2 * c]; s += partial[2 * c + 1]; }
        ArrayPool<double>.Shared.Return(partial);
        return (d, Math.Sqrt(s));
    }

    /// <summary>Each chunk's (a . b, b . b) into partial[2c], partial[2c + 1].</summary>
    readonly unsafe struct DotAndSquareChunks(double* a, double* b, double[] partial) : IChunkBody
    {
        public void Run(int lo, int length)
        {
            var (dot, square) = DotAndSquare(new ReadOnlySpan<double>(a + lo, length), new ReadOnlySpan<double>(b + lo, length));
            partial[2 * (lo / Executor.Chunk)] = dot;
            partial[2 * (lo / Executor.Chunk) + 1] = square;
        }
    }

    static (double Dot, double Square) DotAndSquare(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
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
        return (d, s);
    }

    /// <summary>y = c x, in fixed chunks shared out to up to <paramref name="threads"/> workers.</summary>
    public static unsafe void Scale(ReadOnlySpan<double> x, double c, Span<double> y, int threads)
    {
        if (x.Length != y.Length) throw new ArgumentException("lengths differ", nameof(y));
        fixed (double* px = x, py = y) Executor.ForChunks(x.Length, threads, new ScaleChunks(px, c, py));
    }

    readonly unsafe struct ScaleChunks(double* x, double c, double* y) : IChunkBody
    {
        public void Run(int lo, int length) => TensorPrimitives.Multiply(new ReadOnlySpan<double>(x + lo, length), c, new Span<double>(y + lo, length));
    }

    /// <summary>y += c x.</summary>
    public static void Axpy(double c, ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.MultiplyAdd(x, c, y, y);

    public static void Scale(Span<double> x, double c) => TensorPrimitives.Multiply(x, c, x);

    /// <summary>Standard normal entries by Box-Muller (see <see cref="Gaussian(Span{double}, Rng, int)"/>).</summary>
    public static double[] Gaussian(int n, Rng rng, int threads = 1)
    {
        var v = new double[n];
        Gaussian(v, rng, threads);
        return v;
    }

    /// <summary>
    /// Fills v with standard normal entries, the stream of <see cref="Rng.NextGaussian"/>: the uniforms drawn in order,
    /// then each pair transformed by <see cref="Rng.BoxMuller"/> (libm's scalar functions: vectorized Sin and Cos on double
    /// are 5x faster but their last bit depends on which code the runtime happens to run, so start vectors would not
    /// repeat), in fixed chunks shared out to the team.
    /// </summary>
    public static unsafe void Gaussian(Span<double> v, Rng rng, int threads = 1)
    {
        int pairs = (v.Length + 1) / 2, n = v.Length;
        var uniforms = ArrayPool<double>.Shared.Rent(2 * pairs);
        for (int i = 0; i < 2 * pairs; i++) uniforms[i] = rng.NextDouble();
        fixed (double* pv = v) Executor.ForChunks(pairs, threads, new BoxMullerChunks(uniforms, pv, n));
        ArrayPool<double>.Shared.Return(uniforms);
    }

    /// <summary>Pairs [lo, lo + length) of uniforms to normals, into the n entries of to.</summary>
    readonly unsafe struct BoxMullerChunks(double[] uniforms, double* to, int n) : IChunkBody
    {
        public void Run(int lo, int length)
        {
            for (int i = lo; i < lo + length; i++)
            {
                var (first, second) = Rng.BoxMuller(uniforms[2 * i], uniforms[2 * i + 1]);
                to[2 * i] = first;
                if (2 * i + 1 < n) to[2 * i + 1] = second;
            }
        }
    }

    /// <summary>Entries of +-1, one random bit each.</summary>
    public static double[] Rademacher(int n, Rng rng)
    {
        var v = new double[n];
        Rademacher(v, rng);
        return v;
    }

    /// <summary>Fills v with +-1: entry i is +1 when bit i mod 64 of the (i / 64)-th draw is set, four entries a vector.</summary>
    public static void Rademacher(Span<double> v, Rng rng)
    {
        var bitOf = Vector256.Create(1L, 2, 4, 8);
        var plus = Vector256.Create(1.0);
        var minus = Vector256.Create(-1.0);
        for (int word = 0; word < v.Length; word += 64)
        {
            ulong bits = rng.NextULong();
            var block = v.Slice(word, Math.Min(64, v.Length - word));
            int i = 0;
            for (; i <= block.Length - 4; i += 4, bits >>= 4)
            {
                var set = Vector256.Equals(Vector256.Create((long)(bits & 0xF)) & bitOf, bitOf).AsDouble();
                Vector256.ConditionalSelect(set, plus, minus).CopyTo(block[i..]);
            }
            for (; i < block.Length; i++, bits >>= 1) block[i] = (bits & 1) == 0 ? -1 : 1;
        }
    }

    /// <summary>Removes from v its components along the rows of basis (twice: classical Gram-Schmidt, reorthogonalized).</summary>
    public static void Orthogonalize(Span<double> v, IReadOnlyList<double[]> basis)
    {
        for (int pass = 0; pass < 2; pass++)
            foreach (var q in basis) Axpy(-Dot(v, q), q, v);
    }
}
