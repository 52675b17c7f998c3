using Basin.Experiments;

namespace Basin.Tests.Experiments;

public class TheoryTwoTests
{
    [Fact]
    public void Quick_run_gives_its_verdicts_with_controls_and_seeds()
    {
        var result = QuickRuns.Of("theory2");
        // With two seeds the basin comparison cannot be decided: the lines between seeds' minima vary too much.
        Assert.Equal([Verdict.Holds, Verdict.Inconclusive, Verdict.Holds], result.Claims.Select(c => c.Verdict));
        Assert.All(result.Claims, c => Assert.True(c.Control is not null && c.Seeds.Count == 2 && c.ControlSeeds.Count == 2, c.Statement));
        // The control of the retraining claim is measurably different: the perturbation did raise the error.
        Assert.All(result.Claims[0].ControlSeeds, e => Assert.True(e > 0));
        Assert.Contains(result.Figures, f => f.File == "tree-mds" && f.Paths.Count == 1 + 2 * 2);
    }

    [Fact]
    public void Retraining_cut_to_one_step_leaves_the_error_and_the_claim_fails()
    {
        var runs = new TheoryTwoRuns(ExperimentInputs.Default, 100, 4, TestPaths.NewDirectory("theory2-broken"));
        var sweep = Enumerable.Range(0, 2).Select(k =>
        {
            var minimum = runs.Minimum(runs.Sgd(k, 0), measureCurvature: false);
            return new[] { runs.Perturb($"perturb-{k}", minimum.Theta, 3, epochs: 1, (ulong)k) };
        }).ToArray();
        Assert.Equal(Verdict.Fails, TheoryTwo.RetrainingClaim(sweep, converged: true).Verdict);
    }

    [Fact]
    public void Counting_at_a_point_that_is_not_a_minimum_decides_nothing()
    {
        var untrained = Enumerable.Range(0, 2).Select(k => (Degeneracy.Measure(16, 20, 5, 3, (ulong)k, steps: 0), Degeneracy.Measure(4, 20, 5, 3, (ulong)k, steps: 0))).ToArray();
        Assert.Equal(Verdict.Inconclusive, TheoryTwo.DegeneracyClaim(untrained).Verdict);
    }

    [Fact]
    public void At_a_zero_loss_minimum_the_zero_eigenvalues_are_at_least_bezouts_count_and_the_hessian_is_the_gauss_newton_matrix()
    {
        var over = Degeneracy.Measure(16, 20, 5, 3, 4, 2000, "poly(0.28,0.5,0.155)");
        Assert.True(over.Converged && over.Loss < 1e-12, $"loss {over.Loss}");
        Assert.InRange(over.NearZero, over.Bezout, over.Parameters);
        Assert.InRange(over.NearZeroGaussNewton, over.Bezout, over.Parameters);
        // A rank argument: the Gauss-Newton matrix J^T J (2/C) has rank at most N x C, so at least P - N x C zeros.
        Assert.True(over.Eigenvalues.Count(l => Math.Abs(l) > 1e-6 * over.Eigenvalues.Max()) <= over.Equations);
    }
}
