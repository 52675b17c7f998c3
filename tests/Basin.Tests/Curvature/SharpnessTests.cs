using Basin.Curvature;
using Basin.Data;
using Basin.Models;

namespace Basin.Tests.Curvature;

public class SharpnessTests
{
    const string Relu = "linear(6,8),relu,linear(8,3)";

    static (EmpiricalRisk<double> F, double[] Theta) Net(string spec = Relu, int n = 40)
    {
        var f = TestNets.Objective(spec, [6], n: n, batch: 8);
        return (f, TestNets.RandomVector<double>(f.Dimension, 21));
    }

    static double Dot(double[] a, double[] b) => TestNets.Dot(a, b);

    [Fact]
    public void Sam_sharpness_follows_its_second_order_expansion()
    {
        var (f, theta) = Net("linear(6,8),tanh,linear(8,3)");
        var g = new double[f.Dimension];
        f.Gradient(theta, g);
        double norm = Math.Sqrt(Dot(g, g)), rho = 1e-3;
        var hg = new double[f.Dimension];
        f.HessianVectorProduct(theta, g, hg);
        double predicted = rho * norm + 0.5 * rho * rho * Dot(g, hg) / (norm * norm);
        double measured = Sharpness.RhoSharpness(f, theta, rho);
        Assert.True(Math.Abs(measured - predicted) <= 1e-3 * predicted, $"{measured} vs {predicted}");
    }

    [Fact]
    public void Adaptive_sharpness_uses_the_weight_scaled_ball()
    {
        var (f, theta) = Net("linear(6,8),tanh,linear(8,3)");
        double rho = 1e-3, eta = 0.01;
        var g = new double[f.Dimension];
        f.Gradient(theta, g);
        var t = theta.Select(w => Math.Abs(w) + eta).ToArray();
        var tg = g.Select((x, i) => t[i] * x).ToArray();
        double tn = Math.Sqrt(Dot(tg, tg));
        var e = g.Select((x, i) => rho * t[i] * t[i] * x / tn).ToArray();
        var he = new double[f.Dimension];
        f.HessianVectorProduct(theta, e, he);
        double predicted = rho * tn + 0.5 * Dot(e, he);
        double measured = Sharpness.AdaptiveSharpness(f, theta, rho, eta);
        Assert.True(Math.Abs(measured - predicted) <= 1e-3 * predicted, $"{measured} vs {predicted}");
    }

    [Fact]
    public void Epsilon_sharpness_beats_random_points_of_its_box()
    {
        var (f, theta) = Net();
        double eps = 5e-2, l0 = f.Evaluate(theta).Loss;
        double measured = Sharpness.EpsilonSharpness(f, theta, eps);
        var rng = new Basin.Tensors.Rng(9);
        for (int s = 0; s < 30; s++)
        {
            var y = theta.Select(w => w + eps * (Math.Abs(w) + 1) * (2 * rng.NextDouble() - 1)).ToArray();
            Assert.True(100 * (f.Evaluate(y).Loss - l0) / (1 + l0) <= measured + 1e-12);
        }
        Assert.True(Sharpness.EpsilonSharpness(f, theta, 1e-6) < 1e-2 * measured);
    }

    [Fact]
    public void Alpha_rescaling_keeps_the_function_changes_the_trace_as_predicted_and_not_adaptive_sharpness()
    {
        var (f, theta) = Net();
        var pair = Reparametrization.FindPair(f.Network)!.Value;
        Assert.Equal((0, 2), pair);
        const double alpha = 3;
        var scaled = Reparametrization.Rescale<double>(f.Network, theta, pair, alpha);
        Assert.Equal(f.Evaluate(theta).Loss, f.Evaluate(scaled).Loss, 12);

        var h = DenseOperator.Materialize(new HessianOperator<double>(f, theta));
        var h2 = DenseOperator.Materialize(new HessianOperator<double>(f, scaled));
        double predicted = 0, trace = 0;
        foreach (var t in f.Network.Layout.Tensors)
            for (int i = t.Offset; i < t.Offset + t.Length; i++)
            {
                double factor = t.Layer == 0 ? 1 / (alpha * alpha) : t.Layer == 2 && !t.IsBias ? alpha * alpha : 1;
                predicted += factor * h[i, i];
                trace += h2[i, i];
            }
        Assert.Equal(predicted, trace, 1e-9 * Math.Abs(predicted));
        Assert.True(Math.Abs(trace - Enumerable.Range(0, f.Dimension).Sum(i => h[i, i])) > 1e-3);

        double before = Sharpness.AdaptiveSharpness(f, theta, 0.05, eta: 0), after = Sharpness.AdaptiveSharpness(f, scaled, 0.05, eta: 0);
        Assert.Equal(before, after, 1e-9 * Math.Abs(before));
        Assert.True(Math.Abs(Sharpness.RhoSharpness(f, theta, 0.05) - Sharpness.RhoSharpness(f, scaled, 0.05)) > 1e-6);
    }

    [Fact]
    public void Gradient_disagreement_vanishes_when_every_minibatch_gives_the_same_gradient()
    {
        var one = TestNets.Classification([6], 1, 3, seed: 5);
        var copies = new DataSet("copies", [6], Enumerable.Repeat(one.Values(), 40).SelectMany(x => x).ToArray(), Enumerable.Repeat(one.Labels![0], 40).ToArray(), 3);
        var net = ModelSpec.Build<double>(Relu, [6]);
        var theta = TestNets.RandomVector<double>(net.ParameterCount, 3);
        var same = new EmpiricalRisk<double>(net, copies, "ce", 0, 8, 1);
        Assert.True(Sharpness.GradientDisagreement(same, theta, 10, 5, seed: 1) < 1e-12);
        var (f, t2) = Net(n: 40);
        Assert.True(Sharpness.GradientDisagreement(f, t2, 10, 5, seed: 1) > 1e-3);
    }

    [Fact]
    public void Pac_bayes_sigma_grows_with_the_allowed_error_increase()
    {
        var (f, theta) = Net(n: 60);
        double tight = Sharpness.PacBayesSigma(f, theta, seed: 2, deviation: 0.02);
        double loose = Sharpness.PacBayesSigma(f, theta, seed: 2, deviation: 0.3);
        Assert.True(tight > 0 && tight <= loose, $"{tight} vs {loose}");
        // No perturbation raises an error by more than 1: not the search's bound of 2, but no bound at all.
        Assert.Equal(double.PositiveInfinity, Sharpness.PacBayesSigma(f, theta, seed: 2, deviation: 1));
    }

    [Fact]
    public void Gradient_disagreement_of_a_batchnorm_net_takes_eval_mode_gradients()
    {
        // Shards of 2 under minibatches of 6: a train-mode pass refuses them (its batch statistics span one shard).
        var data = TestNets.Classification([6], 12, 3, seed: 4);
        var net = ModelSpec.Build<double>("linear(6,5),batchnorm1d(5),tanh,linear(5,3)", [6]);
        TestNets.RandomStatistics(net.Buffers);
        var theta = TestNets.RandomVector<double>(net.ParameterCount, 3);
        var f = new EmpiricalRisk<double>(net, data, "ce", 0, 2, 1);
        var g = new double[f.Dimension];
        int[] firstSix = [5, 3, 1, 0, 2, 4];
        f.EvalModeGradient(theta, firstSix, g);
        var expected = new double[f.Dimension];
        new EmpiricalRisk<double>(net, data.Slice(0, 6), "ce", 0, 6, 1).Gradient(theta, expected);
        Assert.True(TestNets.RelativeError(g, expected) < 1e-12);
        Assert.True(Sharpness.GradientDisagreement(f, theta, 6, 2, seed: 1) > 1e-3);
    }

    [Fact]
    public void Log_basin_volume_is_minus_half_the_log_product_of_positive_eigenvalues() =>
        Assert.Equal(-0.5 * Math.Log(2 * 8), Sharpness.LogBasinVolume([8, 2, -1]), 14);
}
