using Basin.Models;

namespace Basin.Tests.Landscape;

public class PlaneEvaluationTests
{
    public static IEnumerable<object[]> Nets() => TestNets.EveryLayer.Select(n => new object[] { n.Spec, string.Join("x", n.Shape) });

    [Theory]
    [MemberData(nameof(Nets))]
    public void Many_points_in_one_pass_equal_separate_evaluations(string spec, string shape)
    {
        var f = TestNets.Objective(spec, shape.Split('x').Select(int.Parse).ToArray(), n: 9, l2: 0.05, batch: 4, threads: 2);
        var theta = TestNets.RandomVector<double>(f.Dimension, 1);
        var dx = TestNets.RandomVector<double>(f.Dimension, 2);
        var dy = TestNets.RandomVector<double>(f.Dimension, 3);
        double[] a = [-1, -0.25, 0, 0.5, 1.5], b = [0.3, -1, 0, 2, 0.75];
        var results = new Evaluation[a.Length];
        f.EvaluatePlane(theta, dx, dy, a, b, results);
        for (int k = 0; k < a.Length; k++)
        {
            var w = theta.Select((t, i) => t + a[k] * dx[i] + b[k] * dy[i]).ToArray();
            var direct = f.Evaluate(w);
            Assert.Equal(direct.Loss, results[k].Loss, 1e-11 * Math.Max(1, Math.Abs(direct.Loss)));
            Assert.Equal(direct.Accuracy, results[k].Accuracy);
        }
        // A line: no y direction.
        f.EvaluatePlane(theta, dx, [], a, new double[a.Length], results);
        var onLine = theta.Select((t, i) => t + a[3] * dx[i]).ToArray();
        Assert.Equal(f.Evaluate(onLine).Loss, results[3].Loss, 1e-11);
    }

    /// <summary>
    /// A net whose later layers keep Winograd-transformed weights per thread: its points go one by one (interleaved shard
    /// by shard, each point's weights would be transformed again at every shard), so each is the plain evaluation's bits.
    /// </summary>
    [Fact]
    public void Points_of_a_net_with_Winograd_convolutions_are_separate_evaluations_bit_for_bit()
    {
        var data = TestNets.Classification([1, 5, 5], 11, 3);
        var net = ModelSpec.Build<float>("conv2d(1,16,3,padding=1),relu,conv2d(16,16,3,padding=1),relu,flatten,linear(400,3)", data.InputShape);
        var f = new EmpiricalRisk<float>(net, data, "ce", 0, 4, threads: 2);
        var theta = TestNets.RandomVector<float>(f.Dimension, 1, 2);
        var dx = TestNets.RandomVector<float>(f.Dimension, 2);
        var dy = TestNets.RandomVector<float>(f.Dimension, 3);
        double[] a = [-1, 0.3, 0.5], b = [0.7, -1, 0.25];
        var results = new Evaluation[a.Length];
        f.EvaluatePlane(theta, dx, dy, a, b, results);
        for (int k = 0; k < a.Length; k++)
        {
            var w = theta.Select((t, i) => t + (float)a[k] * dx[i] + (float)b[k] * dy[i]).ToArray();
            Assert.Equal(BitConverter.DoubleToInt64Bits(f.Evaluate(w).Loss), BitConverter.DoubleToInt64Bits(results[k].Loss));
        }
    }

    [Theory]
    [InlineData("linear(12,20),relu,linear(20,10)", 10, 153, 40)]
    [InlineData("linear(12,7),relu,linear(7,3,bias=false)", 3, 70, 16)]
    [InlineData("linear(12,33),relu,linear(33,17)", 17, 129, 129)]
    public void The_fused_float32_head_gives_the_layer_by_layer_bits(string spec, int classes, int n, int batch)
    {
        var data = TestNets.Classification([12], n, classes);
        var net = ModelSpec.Build<float>(spec, data.InputShape);
        var fused = new EmpiricalRisk<float>(net, data, "ce", 0.01, batch, threads: 2);
        var layered = new EmpiricalRisk<float>(net, data, "ce", 0.01, batch, threads: 2) { FusedPlaneHead = false };
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, PlaneHead.For(net, 0, Basin.Engine.Losses.Loss<float>.Create("ce"), data.Labels) is not null);
        var theta = TestNets.RandomVector<float>(fused.Dimension, 1, 2);
        var dx = TestNets.RandomVector<float>(fused.Dimension, 2);
        var dy = TestNets.RandomVector<float>(fused.Dimension, 3);
        // Far points overflow the softmax; a zero last layer ties every class (arg-max takes the first), two NaN rows of its
        // weight make NaN logits (arg-max takes the first NaN).
        double[] a = [-1, -0.25, 0, 0.5, 1.5, 4e3, -3e38], b = [0.3, -1, 0, 2, 0.75, -2e3, 3e38];
        Compare(theta, dx, dy);
        Compare(theta, dx, []);
        int lastLayer = net.Offset(2);
        var tied = theta.ToArray();
        Array.Clear(tied, lastLayer, tied.Length - lastLayer);
        Compare(tied, new float[tied.Length], dy);
        var nan = theta.ToArray();
        int hidden = (tied.Length - lastLayer) / classes;
        nan[lastLayer + hidden] = nan[lastLayer + (classes - 1) * hidden] = float.NaN;
        Compare(nan, dx, dy);

        void Compare(float[] t, float[] x, float[] y)
        {
            var expected = new Evaluation[a.Length];
            var results = new Evaluation[a.Length];
            layered.EvaluatePlane(t, x, y, a, y.Length == 0 ? new double[a.Length] : b, expected);
            fused.EvaluatePlane(t, x, y, a, y.Length == 0 ? new double[a.Length] : b, results);
            for (int k = 0; k < a.Length; k++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected[k].Loss), BitConverter.DoubleToInt64Bits(results[k].Loss));
                Assert.Equal(expected[k].Accuracy, results[k].Accuracy);
            }
        }
    }
}

