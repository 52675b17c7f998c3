using Basin.Cuda.Kernels;
using Basin.Devices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Basin.Cuda;

/// <summary>
/// The device operations as ILGPU kernels on one accelerator (a GPU, or ILGPU's CPU accelerator in the tests), loaded
/// (compiled to PTX) once; every operation is a launch on the accelerator's stream, and memory is ILGPU's.
/// </summary>
internal sealed class CudaBackend(Accelerator accelerator) : IBackend, IDisposable
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
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> avgPool =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(AvgPoolKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> add =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AddKernel.Run);
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
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolShape> avgPoolBackward =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolShape>(AvgPoolBackwardKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape> maxPoolBackward =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape>(MaxPoolBackwardKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape> maxPoolTangent =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolShape>(MaxPoolTangentKernel.Run);
    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int> gather =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int>(GatherKernel.Run);

    // Kernels take an empty view for an absent tensor: one of a real, one-value allocation per type.
    readonly Dictionary<Type, MemoryBuffer> none = [];
    // The per-slice float64 sums of ChannelReduce, grown as needed.
    MemoryBuffer1D<double, Stride1D.Dense>? partial;

    public string Describe => accelerator is CudaAccelerator cuda
        ? $"{cuda.Name} ({cuda.MemorySize / (1 << 20):N0} MiB, {cuda.Architecture}, driver {cuda.DriverVersion})"
        : $"{accelerator.Name} (ILGPU's CPU accelerator)";

    static MemoryBuffer1D<T, Stride1D.Dense> Memory<T>(DeviceBuffer<T> buffer) where T : unmanaged => (MemoryBuffer1D<T, Stride1D.Dense>)buffer.Storage!;

    /// <summary>The view as ILGPU's: an empty one for a buffer of no allocation.</summary>
    ArrayView1D<T, Stride1D.Dense> V<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        (buffer.Exists ? Memory(buffer) : None<T>()).View.SubView(buffer.Offset, buffer.Length);

    MemoryBuffer1D<T, Stride1D.Dense> None<T>() where T : unmanaged
    {
        if (!none.TryGetValue(typeof(T), out var memory)) none[typeof(T)] = memory = accelerator.Allocate1D<T>(1);
        return (MemoryBuffer1D<T, Stride1D.Dense>)memory;
    }

    static DeviceBuffer<T> Of<T>(MemoryBuffer1D<T, Stride1D.Dense> memory) where T : unmanaged => new(memory, 0, memory.Length);

    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged => Of(accelerator.Allocate1D<T>(Math.Max(1, length))).Take(length);
    public DeviceBuffer<T> Upload<T>(T[] values) where T : unmanaged => values.Length == 0 ? Allocate<T>(0) : Of(accelerator.Allocate1D(values));
    public void CopyFrom<T>(T[] values, DeviceBuffer<T> to) where T : unmanaged => ((ArrayView<T>)V(to)).CopyFromCPU(values.AsSpan(0, (int)to.Length));
    public T[] Download<T>(DeviceBuffer<T> from) where T : unmanaged => V(from).GetAsArray1D();
    public void Copy<T>(DeviceBuffer<T> from, DeviceBuffer<T> to) where T : unmanaged => V(from).CopyTo(V(to));
    public void Zero<T>(DeviceBuffer<T> buffer) where T : unmanaged => V(buffer).MemSetToZero();
    public void Free<T>(DeviceBuffer<T> buffer) where T : unmanaged => (buffer.Storage as MemoryBuffer)?.Dispose();
    public void Synchronize() => accelerator.Synchronize();

    public void Gemm(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c, GemmShape shape) => gemm(GemmKernel.Config(shape), V(a), V(b), V(c), shape);

    public void Activation(DeviceBuffer<float> z, DeviceBuffer<float> bias, DeviceBuffer<float> output, int width, ActivationKind kind, int order) =>
        activation((int)z.Length, V(z), V(bias), V(output), width, (int)kind, order);

    public void ActivationDerivative(DeviceBuffer<float> z, DeviceBuffer<float> u, DeviceBuffer<float> w, DeviceBuffer<float> r, DeviceBuffer<float> output,
        ActivationKind kind) => activationDerivative((int)z.Length, V(z), V(u), V(w), V(r), V(output), (int)kind);

    public void Add(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, long count) => add((int)count, V(a), V(b), V(y));

    public void PlanePoint(DeviceBuffer<float> theta, DeviceBuffer<float> dx, DeviceBuffer<float> dy, DeviceBuffer<float> point, float a, float b) =>
        planePoint((int)theta.Length, V(theta), V(dx), V(dy), V(point), a, b);

    public void Im2Col(DeviceBuffer<float> x, DeviceBuffer<float> cols, ConvShape shape) => im2col(shape.Rows * shape.Columns, V(x), V(cols), shape);

    public void Col2Im(DeviceBuffer<float> cols, DeviceBuffer<float> x, ConvShape shape) => col2im(shape.Images * shape.C * shape.H * shape.W, V(cols), V(x), shape);

    public void Channels(DeviceBuffer<float> z, DeviceBuffer<float> bias, DeviceBuffer<float> y, int channelCount, int positions, int images, ActivationKind kind) =>
        channels(channelCount * positions * images, V(z), V(bias), V(y), channelCount, positions, images, (int)kind);

    public void Columns(DeviceBuffer<float> y, DeviceBuffer<float> z, int channelCount, int positions, int images) =>
        columns(channelCount * positions * images, V(y), V(z), channelCount, positions, images);

    public void MaxPool(DeviceBuffer<float> x, DeviceBuffer<float> y, PoolShape shape, int images) => maxPool(images * shape.C * shape.OH * shape.OW, V(x), V(y), shape);

    public void MaxPoolBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, PoolShape shape, int images) =>
        maxPoolBackward(images * shape.C * shape.H * shape.W, V(x), V(dy), V(dx), shape);

    public void MaxPoolTangent(DeviceBuffer<float> x, DeviceBuffer<float> r, DeviceBuffer<float> y, PoolShape shape, int images) =>
        maxPoolTangent(images * shape.C * shape.OH * shape.OW, V(x), V(r), V(y), shape);

    public void AvgPool(DeviceBuffer<float> x, DeviceBuffer<float> y, PoolShape shape, int images) => avgPool(images * shape.C * shape.OH * shape.OW, V(x), V(y), shape);

    public void AvgPoolBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, PoolShape shape, int images) =>
        avgPoolBackward(images * shape.C * shape.H * shape.W, V(dy), V(dx), shape);

    public void BatchNorm(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float> weight, DeviceBuffer<float> bias, DeviceBuffer<float> statistics,
        int channels, int positions, float eps, ActivationKind kind, long count) =>
        batchNorm((int)count, V(x), V(y), V(weight), V(bias), V(statistics), channels, positions, eps, (int)kind);

    public void NormScale(DeviceBuffer<float> src, DeviceBuffer<float> weight, DeviceBuffer<float> statistics, DeviceBuffer<float> dst, int channelCount,
        int positions, float eps, bool accumulate, long count) =>
        normScale((int)count, V(src), V(weight), V(statistics), V(dst), channelCount, positions, eps, accumulate ? 1 : 0);

    public void NormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> statistics, DeviceBuffer<float> sums,
        DeviceBuffer<float> dx, int channelCount, int positions, float eps, int images) =>
        normBackward(images * channelCount * positions, V(dy), V(x), V(weight), V(statistics), V(sums), V(dx), channelCount, positions, eps, images * positions);

    /// <summary>In two launches: <see cref="ChannelReduceKernel.Slices"/> float64 partial sums per channel, then their totals in order.</summary>
    public void ChannelReduce(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> statistics, DeviceBuffer<float> output, ReduceShape shape)
    {
        long slices = (long)shape.Channels * ChannelReduceKernel.Slices;
        if (partial is null || partial.Length < slices)
        {
            partial?.Dispose();
            partial = accelerator.Allocate1D<double>(slices);
        }
        channelReduce((int)slices, V(a), V(b), V(statistics), partial.View, shape);
        channelTotal(shape.Channels, partial.View, V(output), shape);
    }

    public void CrossEntropy(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<double> loss, DeviceBuffer<double> correct, int classes) =>
        crossEntropy((int)labels.Length, V(logits), V(labels), V(loss), V(correct), classes);

    public void CrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> delta, DeviceBuffer<float> rz,
        DeviceBuffer<float> rdelta, int classes) => crossEntropyBackward((int)labels.Length, V(logits), V(labels), V(delta), V(rz), V(rdelta), classes);

    public void Sums(DeviceBuffer<double> values, DeviceBuffer<double> total, int n, int segment) =>
        sum(SumKernel.Config((n + segment - 1) / segment), V(values), V(total), n, segment);

    public void Gather(DeviceBuffer<float> x, DeviceBuffer<int> labels, DeviceBuffer<int> indices, DeviceBuffer<float> y, DeviceBuffer<int> yLabels, int width) =>
        gather((int)indices.Length * width, V(x), V(labels), V(indices), V(y), V(yLabels), width);

    readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int> augment =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(AugmentKernel.Run);

    public void Augment(DeviceBuffer<float> x, DeviceBuffer<int> shifts, DeviceBuffer<float> fill, DeviceBuffer<float> y, int channels, int height, int width,
        int images) => augment(images * channels * height * width, V(x), V(shifts), V(fill), V(y), channels, height, width);

    public void Dispose()
    {
        foreach (var memory in none.Values) memory.Dispose();
        partial?.Dispose();
    }
}
