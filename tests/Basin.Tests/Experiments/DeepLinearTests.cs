using Basin.Experiments;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Tests.Experiments;

public class DeepLinearTests
{
    [Fact]
    public void Procedure_one_is_balanced_and_multiplies_back_to_the_target()
    {
        var a = Matrix<double>.Build.Dense(4, 4, (i, j) => Math.Sin(3 * i + j) + (i == j ? 2 : 0));
        var w = DeepLinear.Balanced(a, 4);
        Assert.True(DeepLinear.Balancedness(w) < 1e-12);
        var product = w.Skip(1).Aggregate(w[0], (acc, next) => next * acc);
        Assert.True((product - a).FrobeniusNorm() < 1e-12);
    }

    [Fact]
    public void Quick_run_shows_the_papers_claims()
    {
        var r = DeepLinear.Run(depth: 3, width: 4, examples: 200, steps: 300, learningRate: 0.3, seed: 1);
        var balanced = r.Runs.Single(x => x.Start == "balanced");
        var random = r.Runs.Single(x => x.Start == "random");
        // Balancedness stays near its (zero) start along GD; from a random start it is of order one.
        Assert.True(balanced.Balancedness[0] < 1e-10);
        Assert.True(balanced.Balancedness.Max() < 1e-2, $"max balancedness {balanced.Balancedness.Max()}");
        Assert.True(random.Balancedness[0] > 0.1);
        // Positive deficiency margin and a linear rate: the log-loss falls along a straight line to the floor.
        Assert.True(balanced.DeficiencyMargin > 0);
        Assert.True(balanced.Loss[^1] < 1e-8 * balanced.Loss[0], $"{balanced.Loss[0]} -> {balanced.Loss[^1]}");
        double early = Math.Log(balanced.Loss[10] / balanced.Loss[0]) / 10, late = Math.Log(balanced.Loss[30] / balanced.Loss[20]) / 10;
        Assert.True(early < 0 && late < 0 && Math.Abs(late / early - 1) < 0.5, $"rates {early} and {late}");
        // W = 0: a strict saddle at depth 2 (negative curvature), a non-strict one from depth 3 (zero Hessian).
        Assert.True(r.StrictSaddleBottom[0] < -1e-3);
        Assert.All(r.NonStrictSaddleBottom, l => Assert.True(Math.Abs(l) < 1e-12));
    }
}
