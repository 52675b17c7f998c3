using Basin.Curvature;
using Basin.Tensors;

namespace Basin.Tests.Curvature;

public class VectorsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void Gaussian_vectors_are_the_scalar_box_muller_stream_bit_for_bit_on_any_thread_count(int threads)
    {
        // 70,001 entries: 35,001 pairs, three chunks of the team, and an odd last entry.
        var v = Vectors.Gaussian(70_001, new Rng(5, 1), threads);
        var scalar = new Rng(5, 1);
        for (int i = 0; i < v.Length; i++) Assert.Equal(scalar.NextGaussian(), v[i]);
    }

    [Fact]
    public void Dot_and_norm_over_several_chunks_match_plain_sums_with_the_same_bits_on_any_thread_count()
    {
        // 5 chunks and a ragged end (16384-element chunks).
        var a = Vectors.Gaussian(70_001, new Rng(8));
        var b = Vectors.Gaussian(70_001, new Rng(9));
        double dot = 0, square = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; square += b[i] * b[i]; }
        var one = Vectors.DotAndNorm(a, b, 1);
        Assert.Equal(dot, one.Dot, 1e-9 * Math.Sqrt(a.Length));
        Assert.Equal(Math.Sqrt(square), one.Norm, 1e-12 * Math.Sqrt(square));
        Assert.Equal(one, Vectors.DotAndNorm(a, b, 2));
        Assert.Equal(one, Vectors.DotAndNorm(a, b, 7));
        var y = new double[a.Length];
        Vectors.Scale(a, 0.25, y, 2);
        for (int i = 0; i < a.Length; i++) Assert.Equal(0.25 * a[i], y[i]);
    }

    [Fact]
    public void Rademacher_entries_are_signs_with_balanced_counts()
    {
        var z = Vectors.Rademacher(100_003, new Rng(6));
        Assert.All(z, x => Assert.True(x is 1 or -1));
        // The sum of n fair signs has standard deviation sqrt(n).
        Assert.True(Math.Abs(z.Sum()) < 4 * Math.Sqrt(z.Length));
        // Consecutive entries are independent: products are fair signs too.
        Assert.True(Math.Abs(z.Zip(z.Skip(1), (a, b) => a * b).Sum()) < 4 * Math.Sqrt(z.Length));
    }

    [Fact]
    public void Rademacher_entry_i_is_bit_i_mod_64_of_the_draws_also_in_a_reused_buffer()
    {
        var draws = new Rng(7);
        var z = new double[203];
        Array.Fill(z, 5.0);
        Vectors.Rademacher(z, new Rng(7));
        ulong bits = 0;
        for (int i = 0; i < z.Length; i++)
        {
            if (i % 64 == 0) bits = draws.NextULong();
            Assert.Equal((bits >> (i % 64) & 1) == 1 ? 1.0 : -1.0, z[i]);
        }
    }
}
