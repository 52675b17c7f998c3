using Basin.Cuda;
using Basin.Devices;
using Basin.Tensors;

namespace Basin.Tests.Cuda;

/// <summary>
/// Every device operation of the CUDA kernels (on ILGPU's CPU accelerator) against the CPU engine's backend on the same
/// random inputs: GEMM in its three layouts, activations and their derivatives, convolution's unfold and fold, pooling
/// and its adjoints, BatchNorm in both modes, per-channel sums, the cross-entropy and its derivatives, sums and gathers.
/// </summary>
public sealed class CudaBackendTests : IDisposable
{
    readonly GpuDevice device = GpuDevice.Cpu();
    readonly CpuBackend cpu = new(1);

    public void Dispose() => device.Dispose();

    static float[] Random(int n, ulong seed, double scale = 1)
    {
        var rng = new Rng(seed, 0);
        return Enumerable.Range(0, n).Select(_ => (float)(scale * rng.NextGaussian())).ToArray();
    }

    static readonly ConvShape Conv = new() { C = 2, H = 5, W = 6, K = 3, Stride = 2, Padding = 1, OH = 3, OW = 3, Images = 2 };
    // Ceil mode: the last window of each axis hangs over the 6 x 6 input.
    static readonly PoolShape Pool = new() { C = 2, H = 6, W = 6, KH = 3, KW = 3, Stride = 2, OH = 3, OW = 3 };
    const int Images = 2, Channels = 3, Positions = 4;

    /// <summary>What each case runs on a backend, its outputs downloaded; each names the operation it checks.</summary>
    static readonly Dictionary<string, (string Operation, Func<IBackend, double[][]> Run)> Cases = new()
    {
        ["gemm nn"] = ("Gemm", b => Gemm(b, false, false, false)),
        ["gemm nt"] = ("Gemm", b => Gemm(b, false, true, false)),
        ["gemm tn, accumulating"] = ("Gemm", b => Gemm(b, true, false, true)),
        ["activations and derivatives after a bias"] = ("Activation", b =>
        [
            .. new[] { ActivationKind.Identity, ActivationKind.Relu, ActivationKind.Tanh, ActivationKind.Sigmoid, ActivationKind.Softplus }
                .SelectMany(kind => Enumerable.Range(0, 3).Select(order =>
                {
                    var y = b.Allocate<float>(24);
                    b.Activation(b.Upload(Random(24, 1, 3)), b.Upload(Random(6, 2)), y, 6, kind, order);
                    return Out(b, y);
                })),
        ]),
        ["activation chain rule, first and second order"] = ("ActivationDerivative", b =>
        [
            .. new[] { ActivationKind.Relu, ActivationKind.Tanh, ActivationKind.Sigmoid, ActivationKind.Softplus }.SelectMany(kind => new[] { false, true }.Select(second =>
            {
                var y = b.Allocate<float>(20);
                b.ActivationDerivative(b.Upload(Random(20, 3, 3)), b.Upload(Random(20, 4)), second ? b.Upload(Random(20, 5)) : default,
                    second ? b.Upload(Random(20, 6)) : default, y, kind);
                return Out(b, y);
            })),
        ]),
        ["add"] = ("Add", b =>
        {
            var y = b.Allocate<float>(10);
            b.Add(b.Upload(Random(10, 7)), b.Upload(Random(10, 8)), y, 10);
            return [Out(b, y)];
        }),
        ["plane point"] = ("PlanePoint", b =>
        {
            var y = b.Allocate<float>(10);
            b.PlanePoint(b.Upload(Random(10, 9)), b.Upload(Random(10, 10)), b.Upload(Random(10, 11)), y, 0.5f, -1.25f);
            return [Out(b, y)];
        }),
        ["im2col, strided and padded"] = ("Im2Col", b =>
        {
            var cols = b.Allocate<float>(Conv.Rows * Conv.Columns);
            b.Im2Col(b.Upload(Random(Conv.Images * Conv.C * Conv.H * Conv.W, 12)), cols, Conv);
            return [Out(b, cols)];
        }),
        ["col2im"] = ("Col2Im", b =>
        {
            var x = b.Allocate<float>(Conv.Images * Conv.C * Conv.H * Conv.W);
            b.Col2Im(b.Upload(Random(Conv.Rows * Conv.Columns, 13)), x, Conv);
            return [Out(b, x)];
        }),
        ["channels, with bias and activation"] = ("Channels", b =>
        {
            var y = b.Allocate<float>(Images * Channels * Positions);
            b.Channels(b.Upload(Random(Images * Channels * Positions, 14)), b.Upload(Random(Channels, 15)), y, Channels, Positions, Images, ActivationKind.Tanh);
            return [Out(b, y)];
        }),
        ["columns"] = ("Columns", b =>
        {
            var z = b.Allocate<float>(Images * Channels * Positions);
            b.Columns(b.Upload(Random(Images * Channels * Positions, 16)), z, Channels, Positions, Images);
            return [Out(b, z)];
        }),
        ["max pool"] = ("MaxPool", b => PoolForward(b, (x, y) => b.MaxPool(x, y, Pool, Images))),
        ["avg pool"] = ("AvgPool", b => PoolForward(b, (x, y) => b.AvgPool(x, y, Pool, Images))),
        ["max pool tangent"] = ("MaxPoolTangent", b => PoolForward(b, (x, y) => b.MaxPoolTangent(x, b.Upload(Random(Images * 72, 17)), y, Pool, Images))),
        ["max pool adjoint"] = ("MaxPoolBackward", b => PoolBackward(b, (dy, dx) => b.MaxPoolBackward(b.Upload(Random(Images * 72, 18)), dy, dx, Pool, Images))),
        ["avg pool adjoint"] = ("AvgPoolBackward", b => PoolBackward(b, (dy, dx) => b.AvgPoolBackward(dy, dx, Pool, Images))),
        ["batchnorm by given statistics, then relu"] = ("BatchNorm", b =>
        {
            var y = b.Allocate<float>(Images * Channels * Positions);
            b.BatchNorm(b.Upload(Random(Images * Channels * Positions, 19)), y, b.Upload(Random(Channels, 20)), b.Upload(Random(Channels, 21)), Statistics(b),
                Channels, Positions, 1e-5f, ActivationKind.Relu, Images * Channels * Positions);
            return [Out(b, y)];
        }),
        ["norm scale, accumulating"] = ("NormScale", b =>
        {
            var y = b.Upload(Random(Images * Channels * Positions, 22));
            b.NormScale(b.Upload(Random(Images * Channels * Positions, 23)), b.Upload(Random(Channels, 24)), Statistics(b), y, Channels, Positions, 1e-5f, true,
                Images * Channels * Positions);
            return [Out(b, y)];
        }),
        ["train-mode batchnorm's input gradient"] = ("NormBackward", b =>
        {
            var dx = b.Allocate<float>(Images * Channels * Positions);
            b.NormBackward(b.Upload(Random(Images * Channels * Positions, 25)), b.Upload(Random(Images * Channels * Positions, 26)), b.Upload(Random(Channels, 27)),
                Statistics(b), b.Upload(Random(2 * Channels, 28)), dx, Channels, Positions, 1e-5f, Images);
            return [Out(b, dx)];
        }),
        ["channel sums in each mode"] = ("ChannelReduce", b =>
        [
            .. Enumerable.Range(0, 4).SelectMany(mode => new[] { 0, 1 }.Select(mean =>
            {
                var output = b.Upload(Random(Channels, 29));
                b.ChannelReduce(b.Upload(Random(Images * Channels * Positions, 30)), b.Upload(Random(Images * Channels * Positions, 31)), Statistics(b), output,
                    new ReduceShape { Channels = Channels, Positions = Positions, Images = Images, Mode = mode, Mean = mean, Accumulate = 1 - mean, Eps = 1e-5f });
                return Out(b, output);
            })),
        ]),
        ["cross-entropy and accuracy"] = ("CrossEntropy", b =>
        {
            var (loss, correct) = (b.Allocate<double>(5), b.Allocate<double>(5));
            // Rows 0 and 1 have their label's logit raised above the others, row 2 another one's.
            var logits = Random(5 * 7, 32);
            for (int row = 0; row < 3; row++) logits[row * 7 + row] += 10;
            b.CrossEntropy(b.Upload(logits), b.Upload(new[] { 0, 1, 5, 3, 2 }), loss, correct, 7);
            return [b.Download(loss), b.Download(correct)];
        }),
        ["cross-entropy's gradient and hessian product"] = ("CrossEntropyBackward", b =>
        {
            var (delta, rdelta) = (b.Allocate<float>(35), b.Allocate<float>(35));
            b.CrossEntropyBackward(b.Upload(Random(35, 33, 3)), b.Upload(new[] { 0, 6, 3, 2, 2 }), delta, b.Upload(Random(35, 34)), rdelta, 7);
            return [Out(b, delta), Out(b, rdelta)];
        }),
        ["segment sums"] = ("Sums", b =>
        {
            var total = b.Allocate<double>(4);
            b.Sums(b.Upload(Array.ConvertAll(Random(11, 35), x => (double)x)), total, 11, 3);
            return [b.Download(total)];
        }),
        ["augmentation's crops and flips"] = ("Augment", b =>
        {
            // Shifts of -4 .. 4 (padding 4) with and without the flip: every image pads on a different side.
            var y = b.Allocate<float>(3 * 2 * 5 * 6);
            b.Augment(b.Upload(Random(3 * 2 * 5 * 6, 45)), b.Upload(new[] { -4, 3, 1, 2, -1, 0, 0, 4, 1 }), b.Upload(new[] { -0.5f, 0.25f }), y, 2, 5, 6, 3);
            return [Out(b, y)];
        }),
        ["gather"] = ("Gather", b =>
        {
            var (y, labels) = (b.Allocate<float>(3 * 4), b.Allocate<int>(3));
            b.Gather(b.Upload(Random(6 * 4, 36)), b.Upload(new[] { 5, 4, 3, 2, 1, 0 }), b.Upload(new[] { 4, 0, 4 }), y, labels, 4);
            return [Out(b, y), Array.ConvertAll(b.Download(labels), l => (double)l)];
        }),
    };

    static double[] Out(IBackend b, DeviceBuffer<float> buffer) => Array.ConvertAll(b.Download(buffer), x => (double)x);

    /// <summary>Running means, then variances in [0.5, 1.5).</summary>
    static DeviceBuffer<float> Statistics(IBackend b) => b.Upload([.. Random(Channels, 37), .. Random(Channels, 38).Select(x => 1 + 0.25f * x)]);

    static double[][] Gemm(IBackend b, bool transposeA, bool transposeB, bool accumulate)
    {
        const int m = 7, n = 9, k = 5;
        var c = b.Upload(Random(m * n, 39));
        b.Gemm(b.Upload(Random(m * k, 40)), b.Upload(Random(k * n, 41)), c, GemmShape.Of(m, n, k, transposeA, transposeB, accumulate));
        return [Out(b, c)];
    }

    static double[][] PoolForward(IBackend b, Action<DeviceBuffer<float>, DeviceBuffer<float>> pool)
    {
        var y = b.Allocate<float>(Images * Pool.C * Pool.OH * Pool.OW);
        pool(b.Upload(Random(Images * Pool.C * Pool.H * Pool.W, 42)), y);
        return [Out(b, y)];
    }

    static double[][] PoolBackward(IBackend b, Action<DeviceBuffer<float>, DeviceBuffer<float>> adjoint)
    {
        var dx = b.Upload(Random(Images * Pool.C * Pool.H * Pool.W, 43));
        adjoint(b.Upload(Random(Images * Pool.C * Pool.OH * Pool.OW, 44)), dx);
        return [Out(b, dx)];
    }

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_operation_of_the_cuda_kernels_equals_the_cpu_engines(string name)
    {
        var (expected, got) = (Cases[name].Run(cpu), Cases[name].Run(device.Backend));
        Assert.Equal(expected.Length, got.Length);
        Assert.Contains(expected.SelectMany(x => x), x => x != 0);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Length, got[o].Length);
            // A second derivative of relu is all zeros, and must be.
            double error = Math.Sqrt(expected[o].Zip(got[o], (e, g) => (e - g) * (e - g)).Sum()), norm = Math.Sqrt(expected[o].Sum(e => e * e));
            Assert.True(error <= 1e-6 * norm, $"output {o}: error {error:g3} of a norm of {norm:g3}");
        }
    }

    [Fact]
    public void Every_operation_of_the_backend_interface_has_a_case()
    {
        string[] memory = ["get_Describe", "Allocate", "Upload", "CopyFrom", "Download", "Copy", "Zero", "Free", "Synchronize", "Sum"];
        var operations = typeof(IBackend).GetMethods().Select(m => m.Name).Except(memory).Order();
        Assert.Equal(operations, Cases.Values.Select(c => c.Operation).Distinct().Order());
    }
}
