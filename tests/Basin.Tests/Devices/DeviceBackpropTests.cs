using Basin.Devices;
using Basin.Data;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Tests.Devices;

/// <summary>
/// The device passes on each backend (the CPU engine's, and the CUDA kernels on ILGPU's CPU accelerator) against the CPU
/// engine's layer-by-layer passes on the same weights: the summed gradient, Hessian-vector and Gauss-Newton-vector
/// products of every kind of layer the device runs, and train-mode BatchNorm's gradient, to float32 rounding.
/// </summary>
public sealed class DeviceBackpropTests : IDisposable
{
    readonly TestBackends backends = new();

    public void Dispose() => backends.Dispose();

    public static TheoryData<string, string, int, int> Networks => TestBackends.On(Cases);

    static readonly (string Spec, int N, int Chunk)[] Cases =
    [
        // The CPU accelerator runs every GPU thread as .NET code, and a group's barrier costs milliseconds: small images of
        // two channels, chunks smaller than the set.
        ("flatten,linear(72,16),tanh,linear(16,10)", 30, 12),
        ("flatten,linear(72,12),relu,linear(12,12),sigmoid,linear(12,10,bias=false)", 30, 12),
        ("conv2d(2,4,3,padding=1),relu,maxpool2d(2),conv2d(4,6,2,stride=2,padding=1),tanh,flatten,linear(24,10)", 8, 5),
        ("conv2d(2,3,2,bias=false),softplus,maxpool2d(3,stride=2),flatten,linear(12,10)", 8, 5),
        ("features:[conv2d(2,4,3,padding=1),batchnorm2d(4),relu,maxpool2d(3,stride=2,ceil_mode=true)],flatten,linear(36,16),batchnorm1d(16,affine=false),tanh,linear(16,10)", 8, 5),
        ("resnet8(in=2,width=4)", 3, 2),
        ("conv2d(2,4,3),avgpool2d(3,stride=2,ceil_mode=true),relu,flatten,linear(16,10)", 8, 5),
    ];

    static string Normed => "features:[conv2d(2,4,3,padding=1),batchnorm2d(4),relu,maxpool2d(3,stride=2,ceil_mode=true)],flatten,linear(36,16),batchnorm1d(16,affine=false),tanh,linear(16,10)";

    public static TheoryData<string, string> NormedNetworks => TestBackends.On([Normed, "resnet8(in=2,width=4)"]);

    /// <summary>Random 2 x 6 x 6 images in [0, 1) with random labels of 10 classes, and random weights and direction.</summary>
    static (Basin.Engine.Network<float> Network, DataSet Data, float[] Theta, float[] V) Problem(string spec, int n)
    {
        var rng = new Rng(7, 0);
        var data = new DataSet("random", [2, 6, 6], [.. Enumerable.Range(0, n * 72).Select(_ => (float)rng.NextDouble())],
            [.. Enumerable.Range(0, n).Select(_ => (int)(rng.NextDouble() * 10))], 10);
        var network = Basin.Models.ModelSpec.Build<float>(spec, data.InputShape);
        // Running statistics of their own, so that eval-mode BatchNorm is not the identity.
        foreach (var t in network.Buffers.Tensors.Where(t => !t.IsCount))
            for (int i = 0; i < t.Length; i++)
                network.Buffers.Values[t.Offset + i] = t.Name.EndsWith("running_var") ? 0.5 + rng.NextDouble() : 0.1 * rng.NextGaussian();
        return (network, data, TestNets.RandomVector<float>(network.ParameterCount, 5, 0.3), TestNets.RandomVector<float>(network.ParameterCount, 6, 1));
    }

    static void Close(string what, float[] expected, float[] got, double tolerance)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            error += Math.Pow(got[i] - (double)expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        Assert.True(norm > 0, $"the expected {what} is zero");
        Assert.True(Math.Sqrt(error) <= tolerance * Math.Sqrt(norm), $"{what}: relative error {Math.Sqrt(error / norm):g3}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void The_summed_gradient_hessian_and_gauss_newton_products_equal_the_cpu_engines(string on, string spec, int n, int chunk)
    {
        var backend = backends[on];
        var (network, data, theta, v) = Problem(spec, n);
        var cpu = new EmpiricalRisk<float>(network, data, "ce", 0, 50, 1);
        var gradient = new float[theta.Length];
        var hv = new float[theta.Length];
        var gv = new float[theta.Length];
        cpu.SumGradient(theta, 0, cpu.ShardCount, gradient);
        cpu.SumHessianVectorProduct(theta, v, 0, cpu.ShardCount, hv);
        cpu.GaussNewtonVectorProduct(theta, v, gv);

        using var risk = new DeviceRisk(backend, network, data);
        using var backprop = new DeviceBackprop(risk, chunk);
        var weights = backend.Upload(theta);
        var direction = backend.Upload(v);
        var sum = backend.Allocate<float>(theta.Length);
        float[] Sum(DevicePass pass)
        {
            backprop.Run(pass, weights, direction, 0, n, sum);
            return backend.Download(sum);
        }
        Close("gradient", gradient, Sum(DevicePass.Gradient), 1e-5);
        Close("Hv", hv, Sum(DevicePass.HessianVector), 1e-4);
        Close("Gv", [.. gv.Select(x => x * n)], Sum(DevicePass.GaussNewtonVector), 1e-4);
    }

    [Theory]
    [MemberData(nameof(NormedNetworks))]
    public void A_train_mode_minibatch_gradient_and_the_running_statistics_it_moves_equal_the_cpu_engines(string on, string spec)
    {
        var backend = backends[on];
        int[] minibatch = [5, 0, 3, 7, 2];
        // Two copies of the same network: each side's step moves its own running statistics.
        var (network, data, theta, _) = Problem(spec, 8);
        var (copy, _, _, _) = Problem(spec, 8);
        var cpu = new EmpiricalRisk<float>(network, data, "ce", 0, minibatch.Length, 1, wholeShards: true);
        var expected = new float[theta.Length];
        double expectedLoss = cpu.MinibatchGradient(theta, minibatch, expected);

        using var risk = new DeviceRisk(backend, copy, data);
        using var passes = new DevicePasses(risk, null);
        var gpu = new EmpiricalRisk<float>(copy, data, "ce", 0, minibatch.Length, 1, wholeShards: true) { Remote = passes };
        var got = new float[theta.Length];
        double loss = gpu.MinibatchGradient(theta, minibatch, got);

        Assert.Equal(expectedLoss, loss, 5);
        Close("train-mode gradient", expected, got, 1e-5);
        Close("running statistics", [.. network.Buffers.Values.Select(x => (float)x)], [.. copy.Buffers.Values.Select(x => (float)x)], 1e-6);
        Assert.Equal(network.Buffers.Counts, copy.Buffers.Counts);
        // Train mode is what the CPU ran: its gradient is not eval mode's (with the starting running statistics).
        var (eval, _, _, _) = Problem(spec, 8);
        var evalGradient = new float[theta.Length];
        var rows = new float[minibatch.Length * 72];
        for (int k = 0; k < minibatch.Length; k++) data.CopyFeatures(minibatch[k], 1, rows.AsSpan(k * 72, 72));
        new EmpiricalRisk<float>(eval, new DataSet("minibatch", data.InputShape, rows, [.. minibatch.Select(i => data.Labels![i])], 10), "ce", 0, 50, 1)
            .Gradient(theta, evalGradient);
        Assert.True(evalGradient.Zip(expected, (a, b) => Math.Abs(a - b)).Max() > 1e-3);
    }

    [Fact]
    public void A_train_mode_minibatch_larger_than_the_devices_chunk_is_a_clear_error()
    {
        var backend = new CpuBackend(1);
        var (network, data, theta, _) = Problem("flatten,linear(72,16),batchnorm1d(16),tanh,linear(16,10)", 8);
        using var risk = new DeviceRisk(backend, network, data);
        using var backprop = new DeviceBackprop(risk, 4);
        var weights = backend.Upload(theta);
        var sum = backend.Allocate<float>(theta.Length);
        var e = Assert.Throws<BasinException>(() => backprop.Run(DevicePass.Gradient, weights, weights.Empty, [0, 1, 2, 3, 4], sum, trainMode: true));
        Assert.Contains("5 examples", e.Why);
    }
}
