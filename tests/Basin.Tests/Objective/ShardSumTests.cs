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
}
