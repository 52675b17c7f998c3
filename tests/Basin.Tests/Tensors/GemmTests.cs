using Basin.Tensors;

namespace Basin.Tests.Tensors;

public class GemmTests
{
    static double[] Naive(bool ta, bool tb, int m, int n, int k, double[] a, double[] b)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int p = 0; p < k; p++)
                s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
            c[i * n + j] = s;
        }
        return c;
    }

    public static IEnumerable<object[]> Shapes()
    {
        // [13, 100, 784] and [6, 5, 70] end in a few columns that become dot products (B transposed, long k).
        // [16, 16, 300], [24, 32, 100], [9, 8, 50]: panels of whole vectors narrower than a register tile, stored straight into C.
        int[][] shapes = [[1, 1, 1], [3, 5, 7], [17, 33, 9], [8, 48, 256], [9, 49, 257], [97, 61, 300], [130, 500, 31], [2, 1000, 3],
            [13, 100, 784], [6, 5, 70], [5, 55, 65], [16, 16, 300], [24, 32, 100], [9, 8, 50]];
        foreach (var s in shapes)
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
            yield return [s[0], s[1], s[2], ta, tb];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_naive_loop_over_odd_shapes(int m, int n, int k, bool ta, bool tb)
    {
        var rng = new Rng(1);
        var a = Enumerable.Range(0, m * k).Select(_ => rng.NextGaussian()).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => rng.NextGaussian()).ToArray();
        var c0 = Enumerable.Range(0, m * n).Select(_ => rng.NextGaussian()).ToArray();
        var expected = Naive(ta, tb, m, n, k, a, b);

        var c = (double[])c0.Clone();
        Gemm.Multiply<double>(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, c, n, accumulate: true);
        for (int i = 0; i < c.Length; i++) Assert.Equal(expected[i] + c0[i], c[i], 1e-10 * Math.Sqrt(k));

        var af = a.Select(x => (float)x).ToArray();
        var bf = b.Select(x => (float)x).ToArray();
        var cf = new float[m * n];
        Gemm.Multiply<float>(ta, tb, m, n, k, af, ta ? m : k, bf, tb ? k : n, cf, n, accumulate: false);
        for (int i = 0; i < cf.Length; i++) Assert.Equal(expected[i], cf[i], 1e-5 * Math.Sqrt(k) * 4);
    }

    [Fact]
    public void Writes_only_its_block_of_a_larger_leading_dimension()
    {
        var rng = new Rng(2);
        int m = 5, n = 7, k = 4, ldc = 11;
        var a = Enumerable.Range(0, m * k).Select(_ => rng.NextGaussian()).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => rng.NextGaussian()).ToArray();
        var c = Enumerable.Repeat(42.0, m * ldc).ToArray();
        Gemm.Multiply<double>(false, false, m, n, k, a, k, b, n, c, ldc, false);
        var expected = Naive(false, false, m, n, k, a, b);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc; j++)
            Assert.Equal(j < n ? expected[i * n + j] : 42.0, c[i * ldc + j], 1e-12);
    }

    [Fact]
    public void Two_threads_give_the_same_bits_as_one()
    {
        var rng = new Rng(3);
        int m = 70, n = 333, k = 600;
        var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextGaussian()).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextGaussian()).ToArray();
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        Gemm.Multiply<float>(false, false, m, n, k, a, k, b, n, c1, n, false, threads: 1);
        Gemm.Multiply<float>(false, false, m, n, k, a, k, b, n, c2, n, false, threads: 2);
        Assert.Equal(c1, c2);
        // B transposed with n = 333 = 6 x 48 + 45 and n = 100 = 2 x 48 + 4 (dot-product columns).
        foreach (int cols in new[] { 333, 100 })
        {
            Gemm.Multiply<float>(false, true, m, cols, k, a, k, b, k, c1, cols, false, threads: 1);
            Gemm.Multiply<float>(false, true, m, cols, k, a, k, b, k, c2, cols, false, threads: 2);
            Assert.Equal(c1, c2);
        }
    }
}
