using Basin.Cuda;
using Basin.Data;
using Basin.Objective;
using Basin.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Tests.Cuda;

/// <summary>
/// The GPU's backward passes on ILGPU's CPU accelerator against the CPU engine on the same weights: the summed gradient,
/// Hessian-vector and Gauss-Newton-vector products of every kind of layer the backend runs, to float32 rounding.
/// </summary>
public sealed class GpuBackpropTests : IDisposable
{
    readonly GpuDevice device = GpuDevice.Cpu();

    public void Dispose() => device.Dispose();

    public static TheoryData<string, int, int> Networks => new()
    {
        // The CPU accelerator runs every GPU thread as .NET code, and a group's barrier costs milliseconds: small images of
        // two channels, chunks smaller than the set.
        { "flatten,linear(72,16),tanh,linear(16,10)", 30, 12 },
        { "flatten,linear(72,12),relu,linear(12,12),sigmoid,linear(12,10,bias=false)", 30, 12 },
        { "conv2d(2,4,3,padding=1),relu,maxpool2d(2),conv2d(4,6,2,stride=2,padding=1),tanh,flatten,linear(24,10)", 8, 5 },
        { "conv2d(2,3,2,bias=false),softplus,maxpool2d(3,stride=2),flatten,linear(12,10)", 8, 5 },
        { "features:[conv2d(2,4,3,padding=1),batchnorm2d(4),relu,maxpool2d(3,stride=2,ceil_mode=true)],flatten,linear(36,16),batchnorm1d(16,affine=false),tanh,linear(16,10)", 8, 5 },
        { "resnet8(in=2,width=4)", 3, 2 },
        { "conv2d(2,4,3),avgpool2d(3,stride=2,ceil_mode=true),relu,flatten,linear(16,10)", 8, 5 },
    };

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
    public void The_summed_gradient_hessian_and_gauss_newton_products_equal_the_cpu_engines(string spec, int n, int chunk)
    {
        var (network, data, theta, v) = Problem(spec, n);
        var cpu = new EmpiricalRisk<float>(network, data, "ce", 0, 50, 1);
        var gradient = new float[theta.Length];
        var hv = new float[theta.Length];
        var gv = new float[theta.Length];
        cpu.SumGradient(theta, 0, cpu.ShardCount, gradient);
        cpu.SumHessianVectorProduct(theta, v, 0, cpu.ShardCount, hv);
        cpu.GaussNewtonVectorProduct(theta, v, gv);

        using var risk = new GpuRisk(device, network, data);
        using var backprop = new GpuBackprop(device, risk, chunk);
        using var weights = device.Accelerator.Allocate1D(theta);
        using var direction = device.Accelerator.Allocate1D(v);
        using var sum = device.Accelerator.Allocate1D<float>(theta.Length);
        float[] Sum(GpuPass pass)
        {
            backprop.Run(pass, weights.View, direction.View, 0, n, sum.View);
            return sum.GetAsArray1D();
        }
        Close("gradient", gradient, Sum(GpuPass.Gradient), 1e-5);
        Close("Hv", hv, Sum(GpuPass.HessianVector), 1e-4);
        Close("Gv", [.. gv.Select(x => x * n)], Sum(GpuPass.GaussNewtonVector), 1e-4);
    }
}
