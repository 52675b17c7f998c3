using Basin.Experiments;

namespace Basin.Tests.Experiments;

/// <summary>
/// The quick skip-connections run: width-4 ResNets of depths 8 and 20 on 128 images, where the paper (its ResNet-20 against
/// ResNet-20-noshort) shows no difference yet, so its claims must not hold; verdicts follow their rule from the per-seed numbers.
/// </summary>
public class SkipConnectionsTests
{
    [Fact]
    public void Quick_run_decides_each_claim_by_its_rule_from_the_seeds()
    {
        var result = QuickRuns.Of("skip-connections");
        Assert.Equal(2, result.Claims.Count);
        var minima = result.Json["minima"]!.AsArray();
        Assert.Equal(12, minima.Count);
        bool converged = minima.All(m => m!["converged"]!.GetValue<bool>());
        foreach (var claim in result.Claims)
        {
            Assert.Equal(3, claim.Seeds.Count);
            Assert.Equal(3, claim.ControlSeeds.Count);
            var expected = converged ? Statistics.Positive(Statistics.Interval(claim.Seeds)) : Verdict.Inconclusive;
            Assert.Equal(expected, claim.Verdict);
            // At these depths the paper sees no effect: a claim that held here would be a false positive of the measure.
            Assert.NotEqual(Verdict.Holds, claim.Verdict);
        }
        // Every convexity map is a map: the largest eigenvalue is above the smallest at every cell, and the minimum's
        // centre cell is nearly convex (|min/max| small) while the edges of the plane are not.
        foreach (var m in minima)
        {
            var max = m!["max_eig"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var min = m["min_eig"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.All(max.Zip(min), p => Assert.True(p.First > p.Second));
            Assert.True(Math.Abs(min[4] / max[4]) < 0.1, $"{m["model"]} seed {m["seed"]}: centre ratio {min[4] / max[4]}");
        }
        Assert.Equal(8, result.Figures.Count);
    }

    [Fact]
    public void A_target_no_run_reaches_makes_every_claim_inconclusive()
    {
        var result = Experiment.Find("skip-connections").Run(TestPaths.NewDirectory("skip"), quick: true,
            parameters: new Dictionary<string, double> { ["seeds"] = 2, ["target-loss"] = 1e-6, ["epochs"] = 4, ["grid"] = 2, ["eigen-grid"] = 2, ["eigen-steps"] = 2 });
        Assert.All(result.Claims, c => Assert.Equal(Verdict.Inconclusive, c.Verdict));
    }
}
