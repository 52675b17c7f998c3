using Basin.Cuda.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>The kernels loaded (compiled) once for one accelerator, with their launches.</summary>
internal sealed class GpuKernels(Accelerator accelerator)
{
    readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> gemm =
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(GemmKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> activation =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ActivationKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<double>, ArrayView<double>, int> crossEntropy =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<double>, ArrayView<double>, int>(CrossEntropyKernel.Run);
    readonly Action<KernelConfig, ArrayView<double>, ArrayView<double>, int> sum =
        accelerator.LoadStreamKernel<ArrayView<double>, ArrayView<double>, int>(SumKernel.Run);

    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ConvShape> im2col =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvShape>(Im2ColKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> channels =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(ChannelsKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> maxPool =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(MaxPoolKernel.Run);

    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float> planePoint =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(PlanePointKernel.Run);

    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, int> batchNorm =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, int>(
            BatchNormKernel.Run);

    /// <summary>Eval-mode BatchNorm of <paramref name="count"/> values with the running mean and variance (<paramref name="statistics"/>, means first), then the activation.</summary>
    public void BatchNorm(ArrayView<float> x, ArrayView<float> y, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> statistics,
        int channels, int positions, float eps, GpuActivation kind, long count) =>
        batchNorm((int)count, x, y, weight, bias, statistics, channels, positions, eps, (int)kind);

    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> avgPool =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(AvgPoolKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> add =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AddKernel.Run);

    /// <summary>Average pooling of <paramref name="images"/> images.</summary>
    public void AvgPool(ArrayView<float> x, ArrayView<float> y, PoolShape shape, int images) => avgPool(images * shape.C * shape.OH * shape.OW, x, y, shape);

    /// <summary>y = a + b over <paramref name="count"/> values.</summary>
    public void Add(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, long count) => add((int)count, a, b, y);

    /// <summary>point = theta + a dx + b dy.</summary>
    public void PlanePoint(ArrayView<float> theta, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> point, float a, float b) =>
        planePoint((int)theta.Length, theta, dx, dy, point, a, b);

    /// <summary>The batch's column matrix of a convolution.</summary>
    public void Im2Col(ArrayView<float> x, ArrayView<float> cols, ConvShape shape) => im2col(shape.Rows * shape.Columns, x, cols, shape);

    /// <summary>A convolution's GEMM result into images x channels x positions, with bias and activation.</summary>
    public void Channels(ArrayView<float> z, ArrayView<float> bias, ArrayView<float> y, int channelCount, int positions, int images, GpuActivation kind) =>
        channels(channelCount * positions * images, z, bias, y, channelCount, positions, images, (int)kind);

    /// <summary>Max pooling of <paramref name="images"/> images.</summary>
    public void MaxPool(ArrayView<float> x, ArrayView<float> y, PoolShape shape, int images) => maxPool(images * shape.C * shape.OH * shape.OW, x, y, shape);

    /// <summary>c = a b in the layouts <paramref name="shape"/> names.</summary>
    public void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape shape) => gemm(GemmKernel.Config(shape), a, b, c, shape);

    /// <summary>output = f^(order)(z + bias per column of <paramref name="width"/>); an empty bias adds none.</summary>
    public void Activation(ArrayView<float> z, ArrayView<float> bias, ArrayView<float> output, int width, GpuActivation kind, int order) =>
        activation((int)z.Length, z, bias, output, width, (int)kind, order);

    /// <summary>Each row's cross-entropy and whether it is classified correctly.</summary>
    public void CrossEntropy(ArrayView<float> logits, ArrayView<int> labels, ArrayView<double> loss, ArrayView<double> correct, int classes) =>
        crossEntropy((int)labels.Length, logits, labels, loss, correct, classes);

    /// <summary>total[0] = the sum of the first n values, in a fixed order.</summary>
    public void Sum(ArrayView<double> values, ArrayView<double> total, int n) => sum(SumKernel.Config, values, total, n);
}
