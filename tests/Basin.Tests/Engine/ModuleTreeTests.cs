using Basin.Engine;
using Basin.Landscape;
using Basin.Models;

namespace Basin.Tests.Engine;

/// <summary>
/// Networks as module trees: state_dict names, BatchNorm's buffers and modes, residual blocks, presets. Eval-mode
/// derivatives of BatchNorm and residual nets are in <see cref="DerivativeTests"/> (they are in TestNets.EveryLayer).
/// </summary>
public class ModuleTreeTests
{
    const string BatchNormNet =
        "conv2d(2,3,3,padding=1),batchnorm2d(3),tanh,residual(conv2d(3,3,3,padding=1,bias=false),batchnorm2d(3),softplus," +
        "shortcut=[conv2d(3,3,1,bias=false),batchnorm2d(3,momentum=0.3)],after=tanh),globalavgpool,flatten,linear(3,8),batchnorm1d(8),tanh,linear(8,3)";

    static EmpiricalRisk<double> Risk(string spec, int[] shape, int n, int batch, int threads = 1)
    {
        var net = ModelSpec.Build<double>(spec, shape);
        TestNets.RandomStatistics(net.Buffers);
        return new EmpiricalRisk<double>(net, TestNets.Classification(shape, n, 3), "ce", 0, batch, threads);
    }

    [Fact]
    public void Train_mode_gradient_matches_central_differences_of_the_minibatch_loss()
    {
        var f = Risk(BatchNormNet, [2, 5, 5], n: 9, batch: 9);
        var theta = TestNets.RandomVector<double>(f.Dimension, 4);
        int[] minibatch = [6, 1, 3, 8, 0];
        var g = new double[f.Dimension];
        f.MinibatchGradient(theta, minibatch, g);
        var fd = new double[f.Dimension];
        var t = (double[])theta.Clone();
        var scratch = new double[f.Dimension];
        const double h = 1e-5;
        for (int j = 0; j < t.Length; j++)
        {
            t[j] = theta[j] + h; double up = f.MinibatchGradient(t, minibatch, scratch);
            t[j] = theta[j] - h; double down = f.MinibatchGradient(t, minibatch, scratch);
            t[j] = theta[j];
            fd[j] = (up - down) / (2 * h);
        }
        Assert.True(TestNets.RelativeError(g, fd) < 1e-6, $"relative error {TestNets.RelativeError(g, fd)}");
        // Train mode differs from eval mode: the batch's statistics, not the running ones, normalize.
        Assert.NotEqual(f.Evaluate(theta).Loss, f.MinibatchGradient(theta, Enumerable.Range(0, 9).ToArray(), scratch));
    }

    [Theory]
    [InlineData("batchnorm1d(4),linear(4,3)", new[] { 4 })]
    [InlineData("batchnorm2d(2),flatten,linear(18,3)", new[] { 2, 3, 3 })]
    public void Running_statistics_move_as_pytorch_moves_them(string spec, int[] shape)
    {
        var net = ModelSpec.Build<double>(spec, shape);
        var data = TestNets.Classification(shape, 6, 3);
        var f = new EmpiricalRisk<double>(net, data, "ce", 0, 6, 1);
        var theta = TestNets.RandomVector<double>(f.Dimension, 2);
        var g = new double[f.Dimension];
        int[] first = [0, 2, 4, 5], second = [1, 3];
        f.MinibatchGradient(theta, first, g);
        f.MinibatchGradient(theta, second, g);
        int channels = shape[0], positions = data.InputSize / channels;
        for (int c = 0; c < channels; c++)
        {
            // running = (1 - momentum) running + momentum batch, with the unbiased variance (n - 1), from mean 0, variance 1.
            double mean = 0, variance = 1;
            foreach (var batch in new[] { first, second })
            {
                var values = batch.SelectMany(e => Enumerable.Range(0, positions).Select(i => (double)data.Values()[e * data.InputSize + c * positions + i])).ToArray();
                double mu = values.Average(), unbiased = values.Sum(v => (v - mu) * (v - mu)) / (values.Length - 1);
                mean = 0.9 * mean + 0.1 * mu;
                variance = 0.9 * variance + 0.1 * unbiased;
            }
            Assert.Equal(mean, net.Buffers.Values[c], 1e-12);
            Assert.Equal(variance, net.Buffers.Values[channels + c], 1e-12);
        }
        Assert.Equal(2, net.Buffers.Counts[0]);
        // Eval mode (every analysis) leaves them alone.
        var before = net.Buffers.Values.ToArray();
        f.Evaluate(theta);
        f.HessianVectorProduct(theta, g, new double[f.Dimension]);
        Assert.Equal(before, net.Buffers.Values);
    }

    [Fact]
    public void One_and_two_threads_give_the_same_bits_in_both_modes()
    {
        double[] Run(int threads, out double trainLoss, out double[] trainGradient, out double[] hv)
        {
            var f = Risk(BatchNormNet, [2, 5, 5], n: 11, batch: 4, threads: threads);
            var theta = TestNets.RandomVector<double>(f.Dimension, 4);
            var g = new double[f.Dimension];
            var eval = f.Gradient(theta, g);
            trainGradient = new double[f.Dimension];
            trainLoss = f.MinibatchGradient(theta, [2, 7, 1, 9], trainGradient);
            hv = new double[f.Dimension];
            f.HessianVectorProduct(theta, TestNets.RandomVector<double>(f.Dimension, 8), hv);
            return [eval, .. g, .. f.Network.Buffers.Values];
        }
        var one = Run(1, out double l1, out var g1, out var h1);
        var two = Run(2, out double l2, out var g2, out var h2);
        Assert.Equal(one, two);
        Assert.Equal(l1, l2);
        Assert.Equal(g1, g2);
        Assert.Equal(h1, h2);
    }

    /// <summary>
    /// A training step large enough that BatchNorm shares its channels out to the team and the convolutions their weight
    /// gradient's rows (64 examples of 4 x 16 x 16): the same bits on two threads as on one, and the gradient the
    /// central differences of the minibatch loss give.
    /// </summary>
    [Fact]
    public void A_large_training_step_split_over_threads_keeps_its_bits_and_its_gradient()
    {
        const string spec = "conv2d(4,5,3,padding=1),batchnorm2d(5),tanh,conv2d(5,4,3,padding=1,bias=false),batchnorm2d(4),globalavgpool,flatten,linear(4,3)";
        int[] minibatch = Enumerable.Range(0, 64).ToArray();
        (double Loss, double[] Gradient, double[] Statistics) Step(int threads)
        {
            var f = Risk(spec, [4, 16, 16], n: 64, batch: 64, threads: threads);
            var g = new double[f.Dimension];
            double loss = f.MinibatchGradient(TestNets.RandomVector<double>(f.Dimension, 5), minibatch, g);
            return (loss, g, f.Network.Buffers.Values.ToArray());
        }
        var one = Step(1);
        var two = Step(2);
        Assert.Equal(one.Loss, two.Loss);
        Assert.Equal(one.Gradient, two.Gradient);
        Assert.Equal(one.Statistics, two.Statistics);

        var risk = Risk(spec, [4, 16, 16], n: 64, batch: 64, threads: 2);
        var theta = TestNets.RandomVector<double>(risk.Dimension, 5);
        var scratch = new double[risk.Dimension];
        const double h = 1e-5;
        // conv1.weight [5,4,3,3] at 0 (its first and last input channel), conv1.bias at 180, bn1 at 185, conv2.weight at 195,
        // bn2 at 375, the head at 383.
        foreach (int j in new[] { 0, 35, 179, 184, 185, 192, 195, 374, 376, 380, 397 })
        {
            var t = (double[])theta.Clone();
            t[j] = theta[j] + h; double up = risk.MinibatchGradient(t, minibatch, scratch);
            t[j] = theta[j] - h; double down = risk.MinibatchGradient(t, minibatch, scratch);
            Assert.True(Math.Abs((up - down) / (2 * h) - two.Gradient[j]) < 1e-7 * (1 + Math.Abs(two.Gradient[j])), $"coordinate {j}: {(up - down) / (2 * h)} vs {two.Gradient[j]}");
        }
    }

    [Fact]
    public void A_minibatch_split_over_shards_is_refused_for_batchnorm()
    {
        var f = Risk(BatchNormNet, [2, 5, 5], n: 9, batch: 3);
        var e = Assert.Throws<BasinException>(() => f.MinibatchGradient(new double[f.Dimension], [0, 1, 2, 3, 4], new double[f.Dimension]));
        Assert.Contains("whole minibatch", e.Why);
    }

    [Fact]
    public void Resnet20_has_loss_landscapes_state_dict_names_and_parameter_count()
    {
        var net = ModelSpec.Build<float>("resnet20", [3, 32, 32]);
        var names = net.Layout.Tensors.Select(t => t.Name).ToList();
        Assert.Equal("conv1.weight", names[0]);
        Assert.Equal(["bn1.weight", "bn1.bias", "layer1.0.conv1.weight"], names.Skip(1).Take(3));
        Assert.Contains("layer2.0.shortcut.0.weight", names);
        Assert.Contains("layer2.0.shortcut.1.bias", names);
        Assert.DoesNotContain("layer1.0.shortcut.0.weight", names);
        Assert.Equal(["linear.weight", "linear.bias"], names.TakeLast(2));
        // 3 stages of 3 BasicBlocks: counted by hand from loss-landscape's ResNet_cifar with option-B shortcuts.
        int conv(int i, int o, int k) => i * o * k * k;
        int bn(int c) => 2 * c;
        int count = conv(3, 16, 3) + bn(16)
            + 3 * (2 * conv(16, 16, 3) + 2 * bn(16))
            + conv(16, 32, 3) + conv(32, 32, 3) + 2 * bn(32) + conv(16, 32, 1) + bn(32) + 2 * (2 * conv(32, 32, 3) + 2 * bn(32))
            + conv(32, 64, 3) + conv(64, 64, 3) + 2 * bn(64) + conv(32, 64, 1) + bn(64) + 2 * (2 * conv(64, 64, 3) + 2 * bn(64))
            + 64 * 10 + 10;
        Assert.Equal(count, net.ParameterCount);
        var buffers = net.Buffers.Tensors.Select(b => b.Name).ToList();
        Assert.Equal(["bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"], buffers.Take(3));
        Assert.Contains("layer2.0.shortcut.1.running_var", buffers);
        Assert.Equal(10, net.OutputSize);
        // Global average pooling: the same net takes 28x28 Fashion-MNIST images with in=1.
        Assert.Equal(count - conv(2, 16, 3), ModelSpec.Build<float>("resnet20(in=1)", [1, 28, 28]).ParameterCount);
    }

    [Fact]
    public void Noshort_and_vgg9_presets_have_their_module_names()
    {
        var noshort = ModelSpec.Build<float>("resnet20_noshort", [3, 32, 32]).Layout.Tensors.Select(t => t.Name).ToList();
        Assert.Contains("layer2.0.conv1.weight", noshort);
        Assert.DoesNotContain(noshort, n => n.Contains("shortcut"));
        var vgg = ModelSpec.Build<float>("vgg9", [3, 32, 32]);
        var names = vgg.Layout.Tensors.Select(t => t.Name).ToList();
        Assert.Equal(["features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias", "features.3.weight"], names.Take(5));
        Assert.Contains("features.21.weight", names);
        Assert.Equal(["fc.0.weight", "fc.0.bias", "fc.1.weight", "fc.1.bias", "classifier.weight", "classifier.bias"], names.TakeLast(6));
        Assert.Equal([256, 256 * 4 * 4], vgg.Layout.Find("fc.0.weight")!.Shape);
        // Ceil-mode pooling: 28 -> 14 -> 7 -> 4, so the fc layer is the same size on Fashion-MNIST.
        Assert.Equal([256, 256 * 4 * 4], ModelSpec.Build<float>("vgg9(in=1)", [1, 28, 28]).Layout.Find("fc.0.weight")!.Shape);
    }

    [Theory]
    [InlineData("linear(4,3),[relu", "4", "at position 18: expected ']' to close the sequence opened at position 13")]
    [InlineData("residual(linear(4,4),shortcut=[linear(4,5)])", "4", "residual at position 1: the main branch gives [4] but the shortcut gives [5]")]
    [InlineData("a:b:linear(4,3)", "4", "at position 3: unknown layer 'b'")]
    [InlineData("residual(linear(4,4),after=relu,after=tanh)", "4", "at position 33: residual's option 'after' is repeated")]
    [InlineData("x.:linear(4,3)", "4", "at position 1: 'x.' is not a module name")]
    [InlineData("linear(4,3),[]", "4", "at position 13: an empty sequence [] is only allowed")]
    [InlineData("batchnorm2d(4)", "4", "batchnorm2d at position 1: needs a [C,H,W] input, receives [4]")]
    [InlineData("batchnorm1d(5)", "4", "batchnorm1d at position 1: expects 5 channels but receives 4")]
    [InlineData("resnet20(in=3)", "1x8x8", "takes 3 input channels but the data have 1")]
    public void Nested_spec_errors_point_at_the_position(string spec, string shape, string message)
    {
        var e = Assert.Throws<BasinException>(() => ModelSpec.Build<double>(spec, shape.Split('x').Select(int.Parse).ToArray()));
        Assert.Contains(message, e.Why);
    }

    [Fact]
    public void A_spec_written_by_describe_builds_the_same_network()
    {
        foreach (var (spec, shape) in TestNets.EveryLayer.Append(("resnet20(in=2)", [2, 8, 8])).Append(("vgg9(in=2)", [2, 8, 8])))
        {
            var net = ModelSpec.Build<double>(spec, shape);
            var again = ModelSpec.Build<double>(net.Describe(), shape);
            Assert.Equal(net.Describe(), again.Describe());
            Assert.Equal(net.Layout.Tensors.Select(t => (t.Name, t.ShapeText)), again.Layout.Tensors.Select(t => (t.Name, t.ShapeText)));
            Assert.Equal(net.Buffers.Tensors.Select(t => t.Name), again.Buffers.Tensors.Select(t => t.Name));
        }
    }

    [Fact]
    public void Buffers_travel_with_the_weights_and_directions_may_omit_them()
    {
        var net = ModelSpec.Build<float>(BatchNormNet, [2, 5, 5]);
        TestNets.RandomStatistics(net.Buffers);
        net.Buffers.Counts[1] = 1234567890123;
        var theta = TestNets.RandomVector<float>(net.ParameterCount, 3);
        string path = Path.Combine(TestPaths.Root, $"basin-bn-{Guid.NewGuid():N}.safetensors");
        SafeTensors.Write<float>(path, net.Layout, theta);
        var (tensors, _) = SafeTensors.Read(path);
        Assert.Equal("I64", tensors["3.shortcut.1.num_batches_tracked"].DType);
        Assert.Equal("F32", tensors["1.running_var"].DType);

        var other = ModelSpec.Build<float>(BatchNormNet, [2, 5, 5]);
        Assert.Equal(theta, SafeTensors.ReadTheta<float>(path, other.Layout));
        Assert.Equal(net.Buffers.Values.Select(v => (double)(float)v), other.Buffers.Values);
        Assert.Equal(net.Buffers.Counts, other.Buffers.Counts);

        // A direction file has parameters only; reading one leaves the model's buffers alone.
        string direction = Path.Combine(TestPaths.Root, $"basin-dir-{Guid.NewGuid():N}.safetensors");
        SafeTensors.Write<float>(direction, net.Layout, theta, buffers: false);
        var kept = other.Buffers.Values.ToArray();
        Assert.Equal(theta, SafeTensors.ReadParameters<float>(direction, other.Layout));
        Assert.Equal(kept, other.Buffers.Values);
        // Loading weights needs the buffers, and names the one missing with its shape.
        var e = Assert.Throws<BasinException>(() => SafeTensors.ReadTheta<float>(direction, other.Layout));
        Assert.Contains("missing buffer '1.running_mean' (expected shape [3])", e.Why);
    }

    [Fact]
    public void Biasbn_zeroes_every_one_dimensional_tensor_and_none_copies_them()
    {
        var net = ModelSpec.Build<double>(BatchNormNet, [2, 5, 5]);
        Assert.Equal(Ignore.BiasBn, Directions.DefaultIgnore(net.Layout));
        Assert.Equal(Ignore.Bias, Directions.DefaultIgnore(ModelSpec.Build<double>("linear(3,2)", [3]).Layout));
        var theta = TestNets.RandomVector<double>(net.ParameterCount, 5);
        foreach (var ignore in new[] { Ignore.BiasBn, Ignore.None, Ignore.Bias })
        {
            var d = TestNets.RandomVector<double>(net.ParameterCount, 6);
            Directions.Normalize<double>(d, theta, net.Layout, Normalization.Filter, ignore);
            foreach (var t in net.Layout.Tensors.Where(t => t.IsOneDimensional))
            {
                var dt = d.AsSpan(t.Offset, t.Length).ToArray();
                bool zero = ignore == Ignore.BiasBn || (ignore == Ignore.Bias && t.IsBias);
                Assert.Equal(zero ? new double[t.Length] : theta.AsSpan(t.Offset, t.Length).ToArray(), dt);
            }
        }
    }

    [Fact]
    public void Update_bn_averages_the_statistics_of_every_batch_equally()
    {
        var net = ModelSpec.Build<double>("batchnorm1d(4),linear(4,3)", [4]);
        TestNets.RandomStatistics(net.Buffers);
        var data = TestNets.Classification([4], 10, 3);
        var source = new EmpiricalRisk<double>(net, data, "ce", 0, 4, 1, wholeShards: true);
        var f = new EmpiricalRisk<double>(net, data, "ce", 0, 5, 1) { BatchNormSource = source };
        var theta = TestNets.RandomVector<double>(f.Dimension, 2);
        var before = new EmpiricalRisk<double>(net, data, "ce", 0, 5, 1).Evaluate(theta).Loss;
        double after = f.Evaluate(theta).Loss;
        int[][] batches = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]];
        for (int c = 0; c < 4; c++)
        {
            double mean = 0, variance = 0;
            foreach (var b in batches)
            {
                var v = b.Select(e => (double)data.Values()[e * 4 + c]).ToArray();
                double mu = v.Average();
                mean += mu / 3;
                variance += v.Sum(x => (x - mu) * (x - mu)) / (v.Length - 1) / 3;
            }
            Assert.Equal(mean, net.Buffers.Values[c], 1e-12);
            Assert.Equal(variance, net.Buffers.Values[4 + c], 1e-12);
        }
        Assert.Equal(3, net.Buffers.Counts[0]);
        Assert.NotEqual(before, after);
        // The same statistics give the same loss whether recomputed or loaded: the evaluation itself is eval mode.
        Assert.Equal(after, new EmpiricalRisk<double>(net, data, "ce", 0, 5, 1).Evaluate(theta).Loss);
    }

    [Fact]
    public void Update_bn_on_a_model_without_batchnorm_and_a_misshapen_buffer_are_refused_in_one_line()
    {
        string dir = TestPaths.NewDirectory("bn-cli"), plain = Path.Combine(dir, "plain.safetensors"), bn = Path.Combine(dir, "bn.safetensors");
        var mlp = ModelSpec.Build<float>("mlp:784-4-10", [1, 28, 28]);
        SafeTensors.Write<float>(plain, mlp.Layout, new float[mlp.ParameterCount]);
        var (code, _, err) = Cli.CliRunner.Run("interpolate", plain, plain, "--model", "mlp:784-4-10", "--n", "20", "--update-bn");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --update-bn: the model has no BatchNorm", err);

        // A buffer saved with the wrong shape names the key and the shape expected.
        const string spec = "flatten,linear(784,4),batchnorm1d(4),linear(4,10)";
        var other = ModelSpec.Build<float>("flatten,linear(784,4),batchnorm1d(4),linear(4,10)", [1, 28, 28]);
        var tensors = other.Layout.Tensors.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)new float[t.Length]))
            .Append(("2.running_mean", new[] { 5 }, new float[5])).Append(("2.running_var", new[] { 4 }, new float[4]))
            .Append(("2.num_batches_tracked", Array.Empty<int>(), new float[1])).ToList();
        SafeTensors.WriteTensors<float>(bn, tensors);
        (code, _, err) = Cli.CliRunner.Run("eval", "--model", spec, "--weights", bn, "--n", "20");
        Assert.Equal(2, code);
        Assert.Contains("buffer '2.running_mean' has shape [5], expected [4]", err);
        Assert.Equal(2, err.Trim().Split('\n').Length);
    }
}
