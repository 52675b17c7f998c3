using Basin.Curvature;
using Basin.Tensors;

namespace Basin.Tests.Curvature;

public class VectorsTests
{
    [Fact]
    public void Vectorized_gaussians_follow_the_scalar_box_muller_stream()
    {
        var v = Vectors.Gaussian(10_001, new Rng(5, 1));
        var scalar = new Rng(5, 1);
        for (int i = 0; i < v.Length; i++) Assert.Equal(scalar.NextGaussian(), v[i], 1e-12);
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
}
