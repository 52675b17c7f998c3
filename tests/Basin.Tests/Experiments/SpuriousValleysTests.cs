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
    public void Quick_run_gives_its_verdicts()
    {
        var result = QuickRuns.Of("spurious-valleys");
        Assert.Equal([Verdict.Holds, Verdict.Holds, Verdict.Holds, Verdict.Holds], result.Claims.Select(c => c.Verdict));
        Assert.Equal(15, result.Json["intrinsic_dimension"]!["quadratic"]!.GetValue<long>());
        Assert.Equal(16, result.Json["intrinsic_dimension"]!["cubic"]!.GetValue<long>());
    }

    [Fact]
    public void Quadratic_nets_2n_plus_1_wide_end_at_global_minima_and_a_bound_claimed_for_relu_fails()
    {
        var quadratic = new SpuriousValleysRuns("square", 5, 100, 2000).Sweep([11], teachers: 2, starts: 2, seed: 0);
        Assert.All(quadratic[0], r => Assert.True(r.Ending == Ending.Global && r.Loss <= SpuriousValleysRuns.GlobalLoss, $"{r.Ending} at loss {r.Loss}"));
        // A broken set-up: the same claim for ReLU nets, whose small widths trap runs at spurious minima, must fail.
        var relu = new SpuriousValleysRuns("relu", 2, 40, 2000, hinges: true).Sweep([2, 16], teachers: 2, starts: 4, seed: 0);
        Assert.Equal(Verdict.Fails, SpuriousValleys.BoundClaim("ReLU nets from width 2 have no spurious minimum", relu, 2).Verdict);
    }

    [Fact]
    public void A_spurious_minimum_is_stationary_with_no_negative_curvature_and_a_saddle_has_some()
    {
        var relu = new SpuriousValleysRuns("relu", 2, 40, 2000, hinges: true).Sweep([2], teachers: 2, starts: 4, seed: 0)[0];
        Assert.All(relu.Where(r => r.Ending is Ending.SpuriousMinimum or Ending.Saddle), r =>
        {
            Assert.True(r.GradientNorm <= SpuriousValleysRuns.StationaryGradient && r.Loss > SpuriousValleysRuns.GlobalLoss);
            Assert.Equal(r.Ending == Ending.Saddle, r.SmallestEigenvalue < -SpuriousValleysRuns.NegativeCurvature * Math.Abs(r.LargestEigenvalue));
        });
        Assert.Contains(relu, r => r.Ending == Ending.SpuriousMinimum);
    }
}
