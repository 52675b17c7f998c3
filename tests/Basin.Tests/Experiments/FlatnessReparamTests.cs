using Basin.Experiments;

namespace Basin.Tests.Experiments;

public class FlatnessReparamTests
{
    [Fact]
    public void Quick_run_gives_its_verdicts_and_its_invariances_hold()
    {
        var result = QuickRuns.Of("flatness-reparam");
        // Two seeds of a small net cannot separate the batch sizes; the rescaling claim needs no statistics.
        Assert.Equal([Verdict.Inconclusive, Verdict.Inconclusive, Verdict.Holds], result.Claims.Select(c => c.Verdict));
        Assert.All(result.Checks, c => Assert.True(c.Holds, c.Measured));
        Assert.All(result.Json["minima"]!.AsArray(), m => Assert.True(m!["converged"]!.GetValue<bool>()));
        // The control of the rescaling claim: filter-normalized curvature does not move with alpha.
        Assert.All(result.Claims[2].ControlSeeds, r => Assert.InRange(r, 0.5, 2));
    }

    [Fact]
    public void Both_arms_trained_at_the_same_batch_size_cannot_show_the_large_batch_effect()
    {
        var runs = new FlatnessReparamRuns(ExperimentInputs.Default, 16, 500, TestPaths.NewDirectory("flatness-broken"));
        var small = Enumerable.Range(0, 2).Select(k => runs.Minimum(runs.SmallBatch, (ulong)k)).ToArray();
        var sameAgain = Enumerable.Range(0, 2).Select(k => runs.Minimum(runs.SmallBatch, (ulong)k)).ToArray();
        Assert.Equal(small[0].TopEigenvalue, sameAgain[0].TopEigenvalue);
        Assert.NotEqual(Verdict.Holds, FlatnessReparam.Keskar("sharper", "top eigenvalue", small, sameAgain, m => m.TopEigenvalue, largeLarger: true, converged: true).Verdict);
        // Rescaling disabled (alpha = 1 only) against the same minima: nothing became sharper, and the claim fails.
        var unscaled = small.Select(m => new[] { (Raw: m.TopEigenvalue, Filter: m.FilterCurvature, Loss: m.TrainLoss) }).ToArray();
        Assert.Equal(Verdict.Fails, FlatnessReparam.Dinh(small, sameAgain, unscaled).Verdict);
    }
}
