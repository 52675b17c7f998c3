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
    readonly Action<KernelConfig, ArrayView<double>, ArrayView<double>, int, int> sum =
        accelerator.LoadStreamKernel<ArrayView<double>, ArrayView<double>, int, int>(SumKernel.Run);

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
    public void Sum(ArrayView<double> values, ArrayView<double> total, int n) => sum(SumKernel.Config(1), values, total, n, Math.Max(n, 1));

    /// <summary>total[g] = the sum of values [g segment, (g + 1) segment) of the first n, each in a fixed order.</summary>
    public void Sums(ArrayView<double> values, ArrayView<double> total, int n, int segment) =>
        sum(SumKernel.Config((n + segment - 1) / segment), values, total, n, segment);

    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> activationDerivative =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(
            ActivationDerivativeKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> crossEntropyBackward =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(
            CrossEntropyBackwardKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ReduceShape> channelReduce =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, ReduceShape>(ChannelReduceKernel.Run);
    readonly Action<Index1D, ArrayView<double>, ArrayView<float>, ReduceShape> channelTotal =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<float>, ReduceShape>(ChannelTotalKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> columns =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ColumnsKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ConvShape> col2im =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvShape>(Col2ImKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, int> normScale =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, int>(
            NormScaleKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, int> normBackward =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, float, int>(NormBackwardKernel.Run);

    /// <summary>Train-mode BatchNorm's input gradient over <paramref name="images"/> images, from the batch's statistics and the channel sums of dy and dy xhat.</summary>
    public void NormBackward(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> statistics, ArrayView<float> sums,
        ArrayView<float> dx, int channelCount, int positions, float eps, int images) =>
        normBackward(images * channelCount * positions, dy, x, weight, statistics, sums, dx, channelCount, positions, eps, images * positions);

    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> avgPoolBackward =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(AvgPoolBackwardKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape> maxPoolBackward =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape>(MaxPoolBackwardKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape> maxPoolTangent =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape>(MaxPoolTangentKernel.Run);

    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int> gather =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int>(GatherKernel.Run);

    /// <summary>The rows of x (and their labels) at <paramref name="indices"/>, in order, into y.</summary>
    public void Gather(ArrayView<float> x, ArrayView<int> labels, ArrayView<int> indices, ArrayView<float> y, ArrayView<int> yLabels, int width) =>
        gather((int)indices.Length * width, x, labels, indices, y, yLabels, width);

    /// <summary>output = u f'(z) (+ w f''(z) r when w is not empty).</summary>
    public void ActivationDerivative(ArrayView<float> z, ArrayView<float> u, ArrayView<float> w, ArrayView<float> r, ArrayView<float> output, GpuActivation kind) =>
        activationDerivative((int)z.Length, z, u, w, r, output, (int)kind);

    /// <summary>Each row's softmax minus its label's one-hot, and with Rz the softmax Hessian times Rz.</summary>
    public void CrossEntropyBackward(ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> delta, ArrayView<float> rz, ArrayView<float> rdelta,
        int classes) => crossEntropyBackward((int)labels.Length, logits, labels, delta, rz, rdelta, classes);

    /// <summary>
    /// Per channel, the sum <paramref name="shape"/>'s mode names, written or added to output, with <paramref name="partial"/>
    /// (<see cref="ChannelReduceKernel.Slices"/> per channel) for the slices' sums.
    /// </summary>
    public void ChannelReduce(ArrayView<float> a, ArrayView<float> b, ArrayView<float> statistics, ArrayView<float> output, ArrayView<double> partial,
        ReduceShape shape)
    {
        channelReduce(shape.Channels * ChannelReduceKernel.Slices, a, b, statistics, partial, shape);
        channelTotal(shape.Channels, partial, output, shape);
    }

    /// <summary>images x channels x positions values as channels x (images x positions).</summary>
    public void Columns(ArrayView<float> y, ArrayView<float> z, int channelCount, int positions, int images) =>
        columns(channelCount * positions * images, y, z, channelCount, positions, images);

    /// <summary>The column matrix's entries gathered back into the batch's inputs (the adjoint of <see cref="Im2Col"/>).</summary>
    public void Col2Im(ArrayView<float> cols, ArrayView<float> x, ConvShape shape) => col2im(shape.Images * shape.C * shape.H * shape.W, cols, x, shape);

    /// <summary>dst (+)= src w / sqrt(var + eps) per channel over <paramref name="count"/> values.</summary>
    public void NormScale(ArrayView<float> src, ArrayView<float> weight, ArrayView<float> statistics, ArrayView<float> dst, int channelCount, int positions,
        float eps, bool accumulate, long count) => normScale((int)count, src, weight, statistics, dst, channelCount, positions, eps, accumulate ? 1 : 0);

    /// <summary>Average pooling's adjoint over <paramref name="images"/> images.</summary>
    public void AvgPoolBackward(ArrayView<float> dy, ArrayView<float> dx, PoolShape shape, int images) =>
        avgPoolBackward(images * shape.C * shape.H * shape.W, dy, dx, shape);

    /// <summary>Max pooling's adjoint over <paramref name="images"/> images: dy routed to each window's winner in x.</summary>
    public void MaxPoolBackward(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, PoolShape shape, int images) =>
        maxPoolBackward(images * shape.C * shape.H * shape.W, x, dy, dx, shape);

    /// <summary>Max pooling's R-operator over <paramref name="images"/> images: r at each window's winner in x.</summary>
    public void MaxPoolTangent(ArrayView<float> x, ArrayView<float> r, ArrayView<float> y, PoolShape shape, int images) =>
        maxPoolTangent(images * shape.C * shape.OH * shape.OW, x, r, y, shape);
}
