using Basin.Experiments;

namespace Basin.Tests.Experiments;

public class GoodBadMinimaTests
{
    [Fact]
    public void Quick_run_gives_its_verdicts_at_equal_clean_loss()
    {
        var result = QuickRuns.Of("good-bad-minima");
        // Two seeds decide the large effects (generalization, basins of attraction), not the curvature comparisons.
        Assert.Equal([Verdict.Holds, Verdict.Inconclusive, Verdict.Inconclusive, Verdict.Inconclusive, Verdict.Holds], result.Claims.Select(c => c.Verdict));
        Assert.All(result.Json["pairs"]!.AsArray(), pair => Assert.True(pair!["equal_loss"]!.GetValue<bool>()));
        Assert.All(result.Claims, c => Assert.NotNull(c.Control));
    }

    [Fact]
    public void An_attack_set_with_its_true_labels_does_not_hurt_and_the_generalization_claim_does_not_hold()
    {
        var runs = new GoodBadMinimaRuns(ExperimentInputs.Default, 32, 200, TestPaths.NewDirectory("good-bad-broken"));
        var pairs = Enumerable.Range(0, 2).Select(k => runs.Pair(200, (ulong)k, randomLabels: false)).ToArray();
        Assert.All(pairs, p => Assert.True(p.EqualLoss));
        Assert.NotEqual(Verdict.Holds, GoodBadMinima.Generalization(pairs, pairs, sound: true).Verdict);
    }
}
