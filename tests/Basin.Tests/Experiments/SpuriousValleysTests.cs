using Basin.Experiments;

namespace Basin.Tests.Experiments;

public class SpuriousValleysTests
{
    [Theory]
    [InlineData(3, new[] { 0.0, 0, 1 }, 6)]          // z^2 on 3 inputs: the 6 quadratic monomials
    [InlineData(3, new[] { 0.0, 1, 1 }, 9)]          // z + z^2: 3 linear + 6 quadratic
    [InlineData(4, new[] { 1.0, 0, 0, 1 }, 21)]      // 1 + z^3 on 4 inputs: 1 + 20 cubic monomials
    public void Intrinsic_dimension_counts_the_monomials_of_the_degrees_used(int inputs, double[] c, long expected) =>
        Assert.Equal(expected, SpuriousValleys.IntrinsicDimension(inputs, c));

    [Fact]
    public void Quadratic_nets_at_least_2n_plus_1_wide_reach_the_global_minimum_from_every_seed()
    {
        const int n = 3;
        var results = SpuriousValleys.Sweep("square", n, teacherWidth: 2, widths: [2 * n + 1, 2 * n + 3], seeds: 5, steps: 4000, examples: 60,
            learningRate: 0.02);
        Assert.All(results, r => Assert.True(r.Reached == r.Seeds, $"width {r.Width}: {r.Reached}/{r.Seeds}, final ratios {string.Join(", ", r.FinalLosses)}"));
    }
}
