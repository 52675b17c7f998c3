using Basin.Data;
using Basin.Models;
using Basin.Tensors;

namespace Basin.Tests.Tensors;

/// <summary>The row-sparse first-layer product against dense products on data with many zeros.</summary>
public class SparseInputTests
{
    /// <summary>Rows nonzero only on a random span inside the first 60 % of columns, like images on a black background.</summary>
    static double[] SparseRows(int m, int k, ulong seed)
    {
        var rng = new Rng(seed);
        var a = new double[m * k];
        for (int i = 0; i < m; i++)
        {
            int from = rng.NextInt(k / 5), to = k / 2 + rng.NextInt(k / 10);
            for (int p = from; p < to; p++) a[i * k + p] = rng.NextDouble() < 0.7 ? rng.NextGaussian() : 0;
        }
        return a;
    }

    [Fact]
    public void Pattern_lists_every_nonzero_of_each_tile_and_of_each_column_block()
    {
        int m = 29, k = 150;
        var a = SparseRows(m, k, 1);
        var s = ZeroPattern.Build<double>(a, m, k, k)!;
        Assert.NotNull(s);
        Assert.Equal(Enumerable.Range(0, m), s.Order.ToArray().Order());
        for (int t = 0; t < s.TileStart.Length - 1; t++)
        {
            var cols = s.Columns[s.TileStart[t]..s.TileStart[t + 1]].ToArray().Select(c => (int)c).ToArray();
            Assert.Equal(cols.Order().Distinct(), cols);
            var expected = Enumerable.Range(0, k).Where(p =>
                Enumerable.Range(t * 8, Math.Min(8, m - t * 8)).Any(r => a[s.Order[r] * k + p] != 0));
            Assert.Equal(expected, cols);
        }
        // The blocks group every column once (the last k mod 8 are left to the dense product).
        Assert.Equal(Enumerable.Range(0, k / 8 * 8), s.BlockColumns.Select(c => (int)c).Order());
        var packed = new double[s.PackedLength];
        s.Pack<double>(a, k, packed);
        int at = 0;
        for (int q = 0; q < k / 8; q++)
        {
            var columns = s.BlockColumns[(q * 8)..(q * 8 + 8)];
            var expected = Enumerable.Range(0, m).Where(r => columns.Any(p => a[r * k + p] != 0)).ToArray();
            Assert.Equal(expected, s.BlockRows[s.BlockStart[q]..s.BlockStart[q + 1]].ToArray());
            foreach (int r in expected)
                foreach (var p in columns) Assert.Equal(a[r * k + p], packed[at++]);
        }
        // Then each tile's rows in each of its columns, a short last tile repeating its last row.
        Assert.Equal(s.BlockValues, at);
        for (int t = 0; t < s.TileStart.Length - 1; t++)
            foreach (var p in s.Columns[s.TileStart[t]..s.TileStart[t + 1]])
                for (int r = 0; r < 8; r++) Assert.Equal(a[s.Order[Math.Min(t * 8 + r, m - 1)] * k + p], packed[at++]);
        Assert.Equal(s.PackedLength, at);
        Assert.True(s.ActiveFraction < 0.8);
        // Dense rows are not worth a pattern.
        var dense = Enumerable.Range(0, m * k).Select(i => 1.0 + i).ToArray();
        Assert.Null(ZeroPattern.Build<double>(dense, m, k, k));
    }

    [Theory]
    [InlineData(29, 100, 150)]
    [InlineData(29, 90, 150)]
    [InlineData(8, 48, 70)]
    [InlineData(61, 53, 200)]
    [InlineData(17, 20, 90)]
    public void Row_sparse_product_equals_the_dense_product(int m, int n, int k)
    {
        var a = SparseRows(m, k, 2);
        var rng = new Rng(3);
        var b = Enumerable.Range(0, n * k).Select(_ => rng.NextGaussian()).ToArray();
        var s = ZeroPattern.Build<double>(a, m, k, k)!;
        var dense = new double[m * n];
        var sparse = Enumerable.Repeat(double.NaN, m * n).ToArray();
        Gemm.Multiply<double>(false, true, m, n, k, a, k, b, k, dense, n, false);
        Gemm.MultiplyRowSparse<double>(m, n, k, a, k, s, b, k, sparse, n);
        for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], sparse[i], 1e-12 * Math.Sqrt(k));
        // float has its own tile (48 outputs wide) and tail.
        var af = a.Select(v => (float)v).ToArray();
        var bf = b.Select(v => (float)v).ToArray();
        var sf = ZeroPattern.Build<float>(af, m, k, k)!;
        var cf = new float[m * n];
        Gemm.MultiplyRowSparse<float>(m, n, k, af, k, sf, bf, k, cf, n);
        for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], cf[i], 1e-5 * Math.Sqrt(k) * 4);
    }

    [Theory]
    [InlineData(130, 100, 150)]
    [InlineData(128, 48, 64)]
    [InlineData(200, 53, 203)]
    [InlineData(17, 60, 90)]
    [InlineData(150, 20, 72)]
    [InlineData(140, 70, 80)]
    public void Column_sparse_weight_gradient_equals_the_dense_product(int k, int m, int n)
    {
        // C[m,n] = D[k,m]^T X[k,n] with X sparse: m outputs, n inputs, k examples.
        var x = SparseRows(k, n, 5);
        var rng = new Rng(6);
        var d = Enumerable.Range(0, k * m).Select(_ => rng.NextGaussian()).ToArray();
        var s = ZeroPattern.Build<double>(x, k, n, n)!;
        var dense = new double[m * n];
        var sparse = Enumerable.Repeat(double.NaN, m * n).ToArray();
        Gemm.Multiply<double>(true, false, m, n, k, d, m, x, n, dense, n, false);
        Gemm.MultiplyColumnSparse<double>(m, n, k, d, m, s, x, n, sparse, n);
        for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], sparse[i], 1e-12 * Math.Sqrt(k));
        // float has its own tile (48 outputs wide) and tail.
        var xf = x.Select(v => (float)v).ToArray();
        var df = d.Select(v => (float)v).ToArray();
        var sf = ZeroPattern.Build<float>(xf, k, n, n)!;
        var cf = new float[m * n];
        Gemm.MultiplyColumnSparse<float>(m, n, k, df, m, sf, xf, n, cf, n);
        for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], cf[i], 1e-5 * Math.Sqrt(k) * 4);
        // A NaN in D poisons its output row wherever the dense product's 0 x NaN would.
        d[3 * m + 1] = double.NaN;
        Gemm.MultiplyColumnSparse<double>(m, n, k, d, m, s, x, n, sparse, n);
        Assert.All(Enumerable.Range(0, n), p => Assert.True(double.IsNaN(sparse[1 * n + p])));
    }

    [Fact]
    public void An_infinite_weight_still_poisons_every_row_as_in_the_dense_product()
    {
        int m = 16, n = 50, k = 80;
        var a = SparseRows(m, k, 4);
        var b = new double[n * k];
        var s = ZeroPattern.Build<double>(a, m, k, k)!;
        // Column 79 is zero in every row: skipped by the sparse tiles, yet 0 x inf = NaN.
        Assert.All(Enumerable.Range(0, m), i => Assert.Equal(0, a[i * k + k - 1]));
        b[3 * k + k - 1] = double.PositiveInfinity;
        var c = new double[m * n];
        Gemm.MultiplyRowSparse<double>(m, n, k, a, k, s, b, k, c, n);
        Assert.All(Enumerable.Range(0, m), i => Assert.True(double.IsNaN(c[i * n + 3])));
        // Likewise in the last rows of B, which are not in the packed panels (n = 50 = 2 x 24 + 2).
        b[3 * k + k - 1] = 0;
        b[49 * k + k - 1] = double.PositiveInfinity;
        Gemm.MultiplyRowSparse<double>(m, n, k, a, k, s, b, k, c, n);
        Assert.All(Enumerable.Range(0, m), i => Assert.True(double.IsNaN(c[i * n + 49]) && !double.IsNaN(c[i * n + 3])));
    }

    [Fact]
    public void Objective_on_sparse_data_matches_the_same_net_without_the_sparse_first_layer()
    {
        // "flatten,..." computes the same function with the same flat parameters, but its first layer is not linear.
        int n = 300, k = 60;
        var x = SparseRows(n, k, 5).Select(v => (float)v).ToArray();
        var rng = new Rng(6);
        var y = Enumerable.Range(0, n).Select(_ => rng.NextInt(3)).ToArray();
        var data = new DataSet("sparse", [k], x, y, 3);
        var sparse = new EmpiricalRisk<double>(ModelSpec.Build<double>("linear(60,50),tanh,linear(50,3)", [k]), data, "ce", 0, 150, 2);
        var dense = new EmpiricalRisk<double>(ModelSpec.Build<double>("flatten,linear(60,50),tanh,linear(50,3)", [k]), data, "ce", 0, 150, 2);
        var theta = TestNets.RandomVector<double>(sparse.Dimension, 7);
        var v = TestNets.RandomVector<double>(sparse.Dimension, 8);
        Assert.Equal(dense.Evaluate(theta).Loss, sparse.Evaluate(theta).Loss, 1e-13);
        var g1 = new double[theta.Length]; var g2 = new double[theta.Length];
        sparse.Gradient(theta, g1); dense.Gradient(theta, g2);
        Assert.True(TestNets.RelativeError(g1, g2) < 1e-13);
        sparse.HessianVectorProduct(theta, v, g1); dense.HessianVectorProduct(theta, v, g2);
        Assert.True(TestNets.RelativeError(g1, g2) < 1e-13);
        Assert.Equal(dense.HessianQuadraticForm(theta, v), sparse.HessianQuadraticForm(theta, v), 1e-12);
        // Minibatches take the dense products and agree as well.
        foreach (var seed in new ulong[] { 9, 10 })
        {
            var pick = new Rng(seed);
            var indices = Enumerable.Range(0, 30).Select(_ => pick.NextInt(n)).ToArray();
            double a = sparse.MinibatchGradient(theta, indices, g1), b = dense.MinibatchGradient(theta, indices, g2);
            Assert.Equal(b, a, 1e-13);
            Assert.True(TestNets.RelativeError(g1, g2) < 1e-13);
        }
        // An infinite weight in the second panel of the packed first layer (packed on two workers) poisons the products
        // as the dense layer's 0 x inf does.
        var bad = (double[])theta.Clone();
        bad[30 * k + 59] = double.PositiveInfinity;
        Assert.Equal(double.IsNaN(dense.Evaluate(bad).Loss), double.IsNaN(sparse.Evaluate(bad).Loss));
        Assert.True(double.IsNaN(sparse.Evaluate(bad).Loss));
        sparse.HessianVectorProduct(theta, bad, g1); dense.HessianVectorProduct(theta, bad, g2);
        Assert.Equal(g2.Select(double.IsNaN), g1.Select(double.IsNaN));
    }

    [Fact]
    public void A_pass_gives_the_same_bits_whether_it_is_the_objectives_first_or_a_later_one()
    {
        // Fashion-MNIST images: the first linear layer's sparse products sum in another order than the dense ones, so an
        // objective that switched paths after its first pass would log other numbers after a resume.
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", n: 1000);
        var net = ModelSpec.Build<float>("linear(784,100),relu,linear(100,10)", data.InputShape);
        var theta = TestNets.RandomVector<float>(net.ParameterCount, 11, scale: 0.05);
        foreach (bool skips in new[] { true, false })
        {
            var f = new EmpiricalRisk<float>(net, data, "ce", 0, 500, 2) { SkipsZeroInputs = skips };
            var first = f.Evaluate(theta);
            Assert.Equal(first, f.Evaluate(theta));
            Assert.Equal(first, new EmpiricalRisk<float>(net, data, "ce", 0, 500, 1) { SkipsZeroInputs = skips }.Evaluate(theta));
        }
        // The two paths agree to float32 rounding.
        var sparse = new EmpiricalRisk<float>(net, data, "ce", 0, 500, 2).Evaluate(theta).Loss;
        var dense = new EmpiricalRisk<float>(net, data, "ce", 0, 500, 2) { SkipsZeroInputs = false }.Evaluate(theta).Loss;
        Assert.Equal(dense, sparse, 1e-5 * dense);
    }
}
