using Basin.Models;
using Basin.Objective;
namespace Basin.Tests.Objective;

public class ShardSumTests
{
    [Fact]
    public void Unnormalized_shard_sums_over_the_whole_set_are_the_passes_before_their_1_over_n()
    {
        var f = TestNets.Objective("linear(5,7),tanh,linear(7,3)", [5], n: 23, batch: 4);
        var theta = TestNets.RandomVector<double>(f.Dimension, 3);
        var v = TestNets.RandomVector<double>(f.Dimension, 4);
        Assert.Equal(6, f.ShardCount);
        var (lossSum, correct) = f.SumLoss(theta, 0, f.ShardCount);
        var e = f.Evaluate(theta);
        Assert.Equal(e.Loss, lossSum / f.Count);
        Assert.Equal(e.Accuracy, (double)correct / f.Count);
        var sum = new double[f.Dimension];
        var mean = new double[f.Dimension];
        Assert.Equal(lossSum, f.SumGradient(theta, 0, f.ShardCount, sum));
        f.Gradient(theta, mean);
        for (int i = 0; i < sum.Length; i++) Assert.Equal(mean[i], sum[i] * (1.0 / f.Count));
        f.SumHessianVectorProduct(theta, v, 0, f.ShardCount, sum);
        f.HessianVectorProduct(theta, v, mean);
        for (int i = 0; i < sum.Length; i++) Assert.Equal(mean[i], sum[i] * (1.0 / f.Count));
    }

    [Fact]
    public void Sums_over_consecutive_shard_ranges_add_up_to_the_whole()
    {
        var f = TestNets.Objective("linear(5,7),tanh,linear(7,3)", [5], n: 23, batch: 4);
        var theta = TestNets.RandomVector<double>(f.Dimension, 5);
        var whole = new double[f.Dimension];
        double wholeLoss = f.SumGradient(theta, 0, f.ShardCount, whole);
        var a = new double[f.Dimension];
        var b = new double[f.Dimension];
        double la = f.SumGradient(theta, 0, 2, a), lb = f.SumGradient(theta, 2, 4, b);
        Assert.Equal(wholeLoss, la + lb, 1e-12);
        for (int i = 0; i < whole.Length; i++) Assert.Equal(whole[i], a[i] + b[i], 1e-12);
        Assert.Equal(f.SumLoss(theta, 0, 2).Correct + f.SumLoss(theta, 2, 4).Correct, f.SumLoss(theta, 0, 6).Correct);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.SumLoss(theta, 5, 2));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Waves_summed_apart_and_merged_in_order_give_the_full_passes_bits(bool float64)
    {
        if (float64) WavesMerge<double>(); else WavesMerge<float>();
    }

    static void WavesMerge<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // 37 shards of one example: waves of 8, 8, 8, 8, 5, summed in float32 where the order shows in the last bits.
        var data = TestNets.Classification([5], 37, 3);
        var f = new EmpiricalRisk<T>(ModelSpec.Build<T>("linear(5,7),tanh,linear(7,3)", [5]), data, "ce", 1e-3, 1, threads: 2);
        Assert.Equal(5, f.WaveCount);
        var theta = TestNets.RandomVector<T>(f.Dimension, 6);
        var v = TestNets.RandomVector<double>(f.Dimension, 7);
        var whole = new double[f.Dimension];
        var merged = new double[f.Dimension];
        f.HessianVectorProduct(theta, v, whole);
        double quadratic = f.HessianQuadraticForm(theta, v);
        var e = f.Evaluate(theta);
        var gradient = new T[f.Dimension];
        double loss = f.Gradient(theta, gradient);
        foreach (int[] cuts in new[] { new[] { 5 }, [1, 3, 5], [2, 4, 5], [1, 2, 3, 4, 5] })
        {
            var shares = Shares(f, EmpiricalRisk<T>.Pass.HessianVector, theta, v, cuts);
            f.Merge(EmpiricalRisk<T>.Pass.HessianVector, theta, v, shares, merged);
            Assert.Equal(whole, merged);
            Assert.Equal(quadratic, f.Merge(EmpiricalRisk<T>.Pass.HessianQuadratic, theta, v, Shares(f, EmpiricalRisk<T>.Pass.HessianQuadratic, theta, v, cuts), []).Loss);
            var (l, correct) = f.Merge(EmpiricalRisk<T>.Pass.Loss, theta, [], Shares(f, EmpiricalRisk<T>.Pass.Loss, theta, [], cuts), []);
            Assert.Equal(e.Loss, l);
            Assert.Equal(e.Accuracy, (double)correct / f.Count);
            Assert.Equal(loss, f.Merge(EmpiricalRisk<T>.Pass.Gradient, theta, [], Shares(f, EmpiricalRisk<T>.Pass.Gradient, theta, [], cuts), merged).Loss);
            for (int i = 0; i < merged.Length; i++) Assert.Equal(double.CreateTruncating(gradient[i]), merged[i]);
        }
        var first = Shares(f, EmpiricalRisk<T>.Pass.HessianVector, theta, v, [2, 5]);
        Assert.Throws<ArgumentException>(() => f.Merge(EmpiricalRisk<T>.Pass.HessianVector, theta, v, [first[1], first[0]], merged));
        Assert.Throws<ArgumentException>(() => f.Merge(EmpiricalRisk<T>.Pass.HessianVector, theta, v, [first[0]], merged));
    }

    static List<ShardSums<T>> Shares<T>(EmpiricalRisk<T> f, EmpiricalRisk<T>.Pass pass, T[] theta, double[] v, int[] cuts)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var shares = new List<ShardSums<T>>();
        for (int c = 0, from = 0; c < cuts.Length; from = cuts[c++]) shares.Add(f.SumWaves(pass, theta, v, from, cuts[c] - from));
        return shares;
    }
}
