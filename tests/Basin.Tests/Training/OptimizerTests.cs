using Basin.Training;

namespace Basin.Tests.Training;

public class OptimizerTests
{
    [Fact]
    public void Heavy_ball_on_a_quadratic_follows_the_momentum_recursion()
    {
        // f(x) = a x^2 / 2: PyTorch's SGD gives b1 = g0, b_t = mu b_{t-1} + g_t, x_{t+1} = x_t - lr b_t.
        double a = 3, lr = 0.05, mu = 0.9;
        var sgd = new Sgd<double>(mu);
        var x = new[] { 2.0 };
        double xs = 2, b = 0;
        for (int t = 0; t < 30; t++)
        {
            double g = a * xs;
            b = t == 0 ? g : mu * b + g;
            xs -= lr * b;
            sgd.Step(x, [a * x[0]], lr);
            Assert.Equal(xs, x[0], 1e-14);
        }
    }

    [Fact]
    public void Adam_first_step_moves_every_coordinate_by_the_learning_rate()
    {
        // With bias correction the first Adam step is lr * g / (|g| + eps') = lr * sign(g) for |g| >> eps.
        var adam = new Adam<double>();
        var x = new[] { 1.0, -2.0, 3.0 };
        adam.Step(x, [0.5, -40, 1e-3], 0.01);
        Assert.Equal(1.0 - 0.01, x[0], 1e-6);
        Assert.Equal(-2.0 + 0.01, x[1], 1e-6);
        Assert.Equal(3.0 - 0.01, x[2], 1e-4);
    }

    [Theory]
    [InlineData("constant", 0, 0, 0.1)]
    [InlineData("step:2:0.5", 5, 4, 0.025)]
    [InlineData("cosine", 50, 0, 0.05)]
    [InlineData("cosine", 100, 0, 0.0)]
    // MultiStepLR: gamma once per milestone reached (loss-landscape's 150, 225, 275).
    [InlineData("step:150,225,275:0.1", 0, 149, 0.1)]
    [InlineData("step:150,225,275:0.1", 0, 150, 0.01)]
    [InlineData("step:150,225,275:0.1", 0, 230, 0.001)]
    [InlineData("step:150,225,275:0.1", 0, 299, 0.0001)]
    public void Schedules_follow_their_closed_forms(string kind, long step, int epoch, double expected)
    {
        var s = Schedule.Parse(kind, 0.1, totalSteps: 100, warmupSteps: 0);
        Assert.Equal(expected, s.Rate(step, epoch), 12);
    }

    [Fact]
    public void Warm_up_is_linear_over_its_steps()
    {
        var s = Schedule.Parse("constant", 0.2, 0, warmupSteps: 4);
        Assert.Equal([0.05, 0.1, 0.15, 0.2, 0.2], Enumerable.Range(0, 5).Select(t => Math.Round(s.Rate(t, 0), 12)));
    }

    [Fact]
    public void Orthogonal_initialization_has_orthonormal_rows()
    {
        var net = Basin.Models.ModelSpec.Build<double>("linear(10,4),relu,linear(4,7)", [10]);
        var theta = Initialization.Create<double>(net.Layout, "orthogonal", 1);
        var w = theta.AsSpan(0, 40).ToArray();
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
        {
            double dot = 0;
            for (int k = 0; k < 10; k++) dot += w[i * 10 + k] * w[j * 10 + k];
            Assert.Equal(i == j ? 1 : 0, dot, 12);
        }
        // [7,4]: more rows than columns, so the columns are orthonormal.
        var v = theta.AsSpan(44, 28).ToArray();
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
        {
            double dot = 0;
            for (int k = 0; k < 7; k++) dot += v[k * 4 + i] * v[k * 4 + j];
            Assert.Equal(i == j ? 1 : 0, dot, 12);
        }
    }

    [Fact]
    public void Pytorch_default_initialization_is_uniform_within_one_over_root_fan_in()
    {
        var net = Basin.Models.ModelSpec.Build<double>("conv2d(3,8,3),relu,flatten,linear(72,10)", [3, 5, 5]);
        var theta = Initialization.Create<double>(net.Layout, "pytorch", 2);
        foreach (var t in net.Layout.Tensors)
        {
            int fanIn = t.Layer == 0 ? 27 : 72;
            var values = theta.AsSpan(t.Offset, t.Length).ToArray();
            Assert.All(values, x => Assert.InRange(Math.Abs(x), 0, 1 / Math.Sqrt(fanIn)));
            if (!t.IsBias) Assert.True(values.Max() > 0.8 / Math.Sqrt(fanIn));
        }
    }

    [Fact]
    public void Updates_on_two_threads_equal_one_thread_bit_for_bit_and_the_elementwise_rule()
    {
        // 40,000 parameters: three chunks shared out to the team. Also checked against the rule written per element.
        int n = 40_000;
        var g = TestNets.RandomVector<float>(n, 1);
        foreach (var make in new Func<Optimizer<float>>[] { () => new Sgd<float>(0.9, true, 0.01), () => new Adam<float>(weightDecay: 0.01) })
        {
            var (one, two) = (make(), make());
            one.Threads = 1;
            two.Threads = 2;
            var a = TestNets.RandomVector<float>(n, 2);
            var b = (float[])a.Clone();
            for (int t = 0; t < 3; t++) { one.Step(a, g, 0.1); two.Step(b, g, 0.1); }
            Assert.Equal(a, b);
        }
        // SGD with Nesterov momentum and weight decay, PyTorch's rule, for coordinate 12,345 after two steps.
        var sgd = new Sgd<float>(0.9, true, 0.01) { Threads = 2 };
        var x = TestNets.RandomVector<float>(n, 3);
        double x0 = x[12_345], gi = g[12_345];
        sgd.Step(x, g, 0.1);
        sgd.Step(x, g, 0.1);
        double d1 = gi + 0.01 * x0, b1 = d1, x1 = x0 - 0.1 * (d1 + 0.9 * b1);
        double d2 = gi + 0.01 * x1, b2 = 0.9 * b1 + d2, x2 = x1 - 0.1 * (d2 + 0.9 * b2);
        Assert.Equal(x2, x[12_345], 1e-5);
    }
}
