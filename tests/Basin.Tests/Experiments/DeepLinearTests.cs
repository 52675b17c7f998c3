using Basin.Experiments;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Tests.Experiments;

public class DeepLinearTests
{
    [Fact]
    public void Procedure_one_is_balanced_and_multiplies_back_to_the_target()
    {
        var a = Matrix<double>.Build.Dense(4, 4, (i, j) => Math.Sin(3 * i + j) + (i == j ? 2 : 0));
        var w = DeepLinearProblem.Balanced(a, 4);
        Assert.True(DeepLinearProblem.Balancedness(w) < 1e-12);
        Assert.True((DeepLinearProblem.EndToEnd(w) - a).FrobeniusNorm() < 1e-12);
    }

    [Fact]
    public void On_whitened_data_the_loss_is_half_the_squared_distance_of_the_end_to_end_matrix_to_phi()
    {
        var problem = DeepLinearProblem.Create(3, 4, 7);
        Assert.True(problem.Whitening < 1e-6, $"whitening {problem.Whitening}");
        Assert.Equal(0.5, problem.SigmaMin, 1e-12);
        var rng = new Basin.Tensors.Rng(3);
        var layers = Enumerable.Range(0, 3).Select(_ => Matrix<double>.Build.Dense(4, 4, (_, _) => rng.NextGaussian())).ToArray();
        double expected = 0.5 * Math.Pow((DeepLinearProblem.EndToEnd(layers) - problem.Phi).FrobeniusNorm(), 2);
        Assert.Equal(expected, problem.Descend(layers, 0, 0).Loss[0], 1e-5 * expected);
    }

    [Fact]
    public void Quick_run_holds_its_claims_and_checks_and_takes_its_parameters()
    {
        var result = QuickRuns.Of("deep-linear");
        Assert.All(result.Claims.Concat(result.Checks), c => Assert.True(c.Holds, $"{c.Statement}: {c.Measured}; control {c.Control}"));
        Assert.Equal(2, result.Claims[0].Seeds.Count);
        Assert.NotNull(result.Claims[0].Control);
        Assert.Throws<BasinException>(() => Experiment.Find("deep-linear").Run(TestPaths.NewDirectory("deep"), quick: true,
            parameters: new Dictionary<string, double> { ["depth"] = 2.5 }));
        Assert.Throws<BasinException>(() => Experiment.Find("deep-linear").Run(TestPaths.NewDirectory("deep"), quick: true,
            parameters: new Dictionary<string, double> { ["breadth"] = 2 }));
    }

    [Fact]
    public void A_step_size_far_beyond_the_theorems_bound_breaks_its_guarantee_and_the_claim_fails()
    {
        var problems = new[] { DeepLinearProblem.Create(3, 3, 0), DeepLinearProblem.Create(3, 3, 1) };
        var broken = problems.Select((p, k) => DeepLinear.Theorem(p, 300, 300, 0.05, (ulong)k, etaFactor: 2e7)).ToArray();
        var claim = DeepLinear.TheoremClaim(broken, problems, 0.05);
        Assert.Equal(Verdict.Fails, claim.Verdict);
    }

    [Fact]
    public void Unbalanced_starts_labelled_balanced_give_no_difference_and_the_figure_claim_does_not_hold()
    {
        var problems = new[] { DeepLinearProblem.Create(3, 3, 0), DeepLinearProblem.Create(3, 3, 1) };
        var scales = new[] { 0.01, 0.3, 3.0 }.Select(s => DeepLinear.Sweep(problems, s, 1500, 0.05, 0, balance: false)).ToArray();
        Assert.NotEqual(Verdict.Holds, DeepLinear.ScalesClaim(scales, 1500, 2).Verdict);
    }
}
