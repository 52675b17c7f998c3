namespace Basin.Tests.Objective;

public class LinearizationTests
{
    /// <summary>The tanh/max-pool conv net's objective in ragged shards of 4 (9 examples), two thetas and a direction.</summary>
    static (EmpiricalRisk<double> Objective, double[] A, double[] B, double[] V) TwoThetas(int threads)
    {
        var (spec, shape) = TestNets.EveryLayer[8];
        var f = TestNets.Objective(spec, shape, n: 9, batch: 4, threads: threads);
        return (f, TestNets.RandomVector<double>(f.Dimension, 1), TestNets.RandomVector<double>(f.Dimension, 2), TestNets.RandomVector<double>(f.Dimension, 3));
    }

    [Fact]
    public void Kept_linearization_gives_the_same_products_and_follows_theta_changes()
    {
        var (f, a, b, v) = TwoThetas(threads: 2);
        var first = new double[f.Dimension];
        var again = new double[f.Dimension];
        var other = new double[f.Dimension];
        f.HessianVectorProduct(a, v, first);
        f.HessianVectorProduct(a, v, again);
        Assert.Equal(first, again);
        f.HessianVectorProduct(b, v, other);
        var fresh = TwoThetas(threads: 1).Objective;
        var expected = new double[f.Dimension];
        fresh.HessianVectorProduct(b, v, expected);
        Assert.Equal(expected, other);
        // A gradient in between does not disturb the kept linearization.
        f.Gradient(b, new double[f.Dimension]);
        f.HessianVectorProduct(a, v, again);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Operators_at_two_thetas_on_one_objective_keep_their_own_products_whatever_runs_between()
    {
        // Consecutive products of one operator skip copying and comparing its theta: every other call must undo that.
        var (f, a, b, v) = TwoThetas(threads: 2);
        var atA = new Basin.Curvature.HessianOperator<double>(f, a);
        var atB = new Basin.Curvature.HessianOperator<double>(f, b);
        var ggnAtA = new Basin.Curvature.GaussNewtonOperator<double>(f, a);
        var expectedA = new double[f.Dimension];
        var expectedB = new double[f.Dimension];
        TwoThetas(threads: 1).Objective.HessianVectorProduct(a, v, expectedA);
        TwoThetas(threads: 1).Objective.HessianVectorProduct(b, v, expectedB);
        var y = new double[f.Dimension];
        var between = new Action[]
        {
            () => { },
            () => atB.Apply(v, y),
            () => f.Gradient(b, new double[f.Dimension]),
            () => f.HessianVectorProduct(b, v, new double[f.Dimension]),
            () => f.PerExampleGradients(b, 0, 1, new double[f.Dimension]),
            () => ggnAtA.Apply(v, y),
        };
        foreach (var step in between)
        {
            step();
            atA.Apply(v, y);
            Assert.Equal(expectedA, y);
            atA.Apply(v, y);
            Assert.Equal(expectedA, y);
            atB.Apply(v, y);
            Assert.Equal(expectedB, y);
            Assert.Equal(TestNets.Dot(v, expectedA), atA.Quadratic(v), 1e-10);
        }
    }

    [Fact]
    public void Quadratic_forms_are_bit_identical_for_one_and_two_threads()
    {
        var (spec, shape) = TestNets.EveryLayer[11];
        var one = TestNets.Objective(spec, shape, n: 9, batch: 2, threads: 1);
        var two = TestNets.Objective(spec, shape, n: 9, batch: 2, threads: 2);
        var theta = TestNets.RandomVector<double>(one.Dimension, 1);
        var v = TestNets.RandomVector<double>(one.Dimension, 3);
        Assert.Equal(one.HessianQuadraticForm(theta, v), two.HessianQuadraticForm(theta, v));
        Assert.Equal(one.GaussNewtonQuadraticForm(theta, v), two.GaussNewtonQuadraticForm(theta, v));
    }

    [Fact]
    public void A_linearization_is_kept_only_when_its_whole_workspaces_fit_the_budget()
    {
        // A residual block's state is many times its output: the budget must count the workspaces kept, not four
        // buffers per top-level output (that undercounted ResNet-20 by 8x, keeping 1 GB under a 256 MB budget).
        var f = TestNets.Objective("resnet8(in=1,width=4)", [1, 16, 16], n: 12, batch: 4);
        var theta = TestNets.RandomVector<double>(f.Dimension, 1);
        var v = TestNets.RandomVector<double>(f.Dimension, 2);
        var hv = new double[f.Dimension];
        double kept = 3 * f.Network.WorkspaceBytes(4);
        // This thread's allocations: other tests run beside this one (the workspaces are made on the calling thread).
        long Allocated(long budget)
        {
            f.LinearizationBudget = budget;
            long before = GC.GetAllocatedBytesForCurrentThread();
            f.HessianVectorProduct(theta, v, hv);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        // This thread's one-time buffers (GEMM panels, a Winograd layer's transformed weights) are not the linearization's.
        Allocated(0);
        Assert.True(Allocated((long)kept - 1) < kept / 4, "over the budget: nothing kept");
        Assert.True(Allocated((long)(1.1 * kept)) >= kept, "within it (with the converted inputs): three shards' workspaces kept");
    }
}

