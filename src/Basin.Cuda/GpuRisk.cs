using Basin.Cuda.Kernels;
using Basin.Data;
using Basin.Engine;
using Basin.Engine.Layers;
using Basin.Objective;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>
/// A network's cross-entropy over a data set on the GPU, the examples and labels uploaded once: at any weights on the
/// device, each example's loss and whether it is classified correctly, in chunks of examples. A linear layer is one GEMM
/// (x W^T) and a bias-and-activation pass; a convolution builds the chunk's column matrix, multiplies it by W in one GEMM
/// and writes the result back in the images' layout with bias and activation; pooling and eval-mode BatchNorm (with the
/// model's running statistics) are one pass each; a residual block runs both branches from its input and adds them.
/// Activations live in buffers rented per step and returned once read. The mean sums the examples' losses on the device
/// in a fixed order.
/// </summary>
internal sealed class GpuRisk : IDisposable
{
    /// <summary>Column matrices are kept under this many floats (256 MB): the chunk shrinks for wide convolutions.</summary>
    const long ColumnBudget = 64L << 20;

    abstract record Step(int InputSize, int OutputSize);
    /// <summary>A linear or convolution layer's weights and bias in theta, and the activation after it (identity when none follows).</summary>
    sealed record Linear(int In, int Out, int Weight, int Bias, GpuActivation Activation) : Step(In, Out);
    sealed record Conv(ConvShape Shape, int Out, int Weight, int Bias, GpuActivation Activation) : Step(Shape.C * Shape.H * Shape.W, Out * Shape.OH * Shape.OW);
    sealed record MaxPool(PoolShape Shape) : Step(Shape.C * Shape.H * Shape.W, Shape.C * Shape.OH * Shape.OW);
    sealed record AvgPool(PoolShape Shape) : Step(Shape.C * Shape.H * Shape.W, Shape.C * Shape.OH * Shape.OW);
    /// <summary>BatchNorm in eval mode: its affine parameters in theta (-1 without), its running mean and variance in the buffers.</summary>
    sealed record Norm(int Channels, int Positions, int Weight, int Bias, int Statistics, float Eps, GpuActivation Activation)
        : Step(Channels * Positions, Channels * Positions);
    /// <summary>An activation that follows no layer it can join (a residual block's after=relu).</summary>
    sealed record Pointwise(int Size, GpuActivation Activation) : Step(Size, Size);
    /// <summary>A residual block: after(main(x) + shortcut(x)), an empty shortcut the identity.</summary>
    sealed record Block(List<Step> Main, List<Step> Shortcut, List<Step> After, int In, int Out) : Step(In, Out);

    readonly GpuDevice device;
    readonly List<Step> steps;
    readonly int chunk, inputSize;
    readonly MemoryBuffer1D<float, Stride1D.Dense> examples, z, cols, statistics;
    // Activations of the chunk: rented for a step's output, returned when no step reads them any more.
    readonly List<MemoryBuffer1D<float, Stride1D.Dense>> activations = [];
    readonly Stack<MemoryBuffer1D<float, Stride1D.Dense>> free = [];
    readonly long activationLength;
    readonly MemoryBuffer1D<int, Stride1D.Dense> labels;
    readonly MemoryBuffer1D<double, Stride1D.Dense> loss, correct, total;

    public int Count { get; }
    public int Parameters { get; }

    public GpuRisk(GpuDevice device, Network<float> network, DataSet data, int chunk = 8192)
    {
        if (data.Labels is null)
            throw new BasinException("{device}", "the CUDA backend evaluates the cross-entropy of labelled data only so far", "use {device} cpu");
        this.device = device;
        steps = Steps(network);
        Count = data.Count;
        Parameters = network.ParameterCount;
        inputSize = network.InputSize;
        var all = Flat(steps).ToList();
        int widest = Math.Max(inputSize, all.Max(s => s.OutputSize));
        long columns = all.OfType<Conv>().Select(c => (long)c.Shape.Rows * c.Shape.OH * c.Shape.OW).DefaultIfEmpty(0).Max();
        this.chunk = (int)Math.Max(1, Math.Min(Math.Min(chunk, Count), columns == 0 ? Count : ColumnBudget / columns));
        var features = new float[(long)Count * inputSize];
        data.CopyFeatures(0, Count, features);
        var accelerator = device.Accelerator;
        examples = accelerator.Allocate1D(features);
        labels = accelerator.Allocate1D(data.Labels);
        activationLength = (long)this.chunk * widest;
        z = accelerator.Allocate1D<float>(activationLength);
        cols = accelerator.Allocate1D<float>(Math.Max(1, this.chunk * columns));
        // The BatchNorm statistics as the model holds them (float64 holds float32 values exactly), fixed for every point.
        statistics = accelerator.Allocate1D(network.Buffers.Values.Length == 0 ? [0f] : Array.ConvertAll(network.Buffers.Values, v => (float)v));
        loss = accelerator.Allocate1D<double>(Count);
        correct = accelerator.Allocate1D<double>(Count);
        total = accelerator.Allocate1D<double>(2);
    }

    /// <summary>The mean loss and accuracy at theta (uploaded for the call).</summary>
    public Evaluation Evaluate(ReadOnlySpan<float> theta)
    {
        using var weights = device.Accelerator.Allocate1D(theta.ToArray());
        return Evaluate(weights.View);
    }

    /// <summary>The mean loss and accuracy at weights already on the device.</summary>
    public Evaluation Evaluate(ArrayView<float> weights)
    {
        Examples(weights);
        device.Kernels.Sum(loss.View, total.View.SubView(0, 1), Count);
        device.Kernels.Sum(correct.View, total.View.SubView(1, 1), Count);
        var sums = total.GetAsArray1D();
        return new Evaluation(sums[0] / Count, sums[1] / Count, Count);
    }

    void Examples(ArrayView<float> weights)
    {
        for (int start = 0; start < Count; start += chunk)
        {
            int rows = Math.Min(chunk, Count - start);
            // The last step is a linear layer, so the logits are in a rented buffer.
            var logits = Forward(steps, examples.View.SubView((long)start * inputSize, (long)rows * inputSize), null, rows, weights)!;
            int classes = steps[^1].OutputSize;
            device.Kernels.CrossEntropy(logits.View.SubView(0, (long)rows * classes), labels.View.SubView(start, rows), loss.View.SubView(start, rows),
                correct.View.SubView(start, rows), classes);
            free.Push(logits);
        }
    }

    /// <summary>A buffer for one step's output (kernels run in order on one stream, so a buffer returned is free for the next).</summary>
    MemoryBuffer1D<float, Stride1D.Dense> Rent()
    {
        if (free.Count > 0) return free.Pop();
        var buffer = device.Accelerator.Allocate1D<float>(activationLength);
        activations.Add(buffer);
        return buffer;
    }

    /// <summary>
    /// The steps applied to <paramref name="input"/>, held in <paramref name="owned"/> when it is a rented buffer (returned
    /// once read): the rented buffer holding the output, or null when there were no steps and the input was not rented.
    /// </summary>
    MemoryBuffer1D<float, Stride1D.Dense>? Forward(List<Step> list, ArrayView<float> input, MemoryBuffer1D<float, Stride1D.Dense>? owned, int rows,
        ArrayView<float> weights)
    {
        var kernels = device.Kernels;
        // A tensor of theta, or an empty view for one the layer does not have.
        ArrayView<float> Tensor(int offset, int length) => offset < 0 ? weights.SubView(0, 0) : weights.SubView(offset, length);
        foreach (var step in list)
        {
            var result = Rent();
            var output = result.View;
            switch (step)
            {
                case Block block:
                    var main = Forward(block.Main, input, null, rows, weights)!;
                    var shortcut = Forward(block.Shortcut, input, null, rows, weights);
                    kernels.Add(main.View, shortcut?.View ?? input, output, (long)rows * block.Out);
                    free.Push(main);
                    if (shortcut is not null) free.Push(shortcut);
                    if (owned is not null) free.Push(owned);
                    owned = Forward(block.After, output, result, rows, weights)!;
                    input = owned.View;
                    continue;
                case Linear s:
                    var y = output.SubView(0, (long)rows * s.Out);
                    kernels.Gemm(input, weights.SubView(s.Weight, (long)s.Out * s.In), y, GemmShape.Of(rows, s.Out, s.In, transposeA: false, transposeB: true));
                    kernels.Activation(y, Tensor(s.Bias, s.Out), y, s.Out, s.Activation, 0);
                    break;
                case Conv s:
                    var shape = s.Shape with { Images = rows };
                    kernels.Im2Col(input, cols.View, shape);
                    kernels.Gemm(weights.SubView(s.Weight, (long)s.Out * shape.Rows), cols.View, z.View, GemmShape.Of(s.Out, shape.Columns, shape.Rows, false, false));
                    kernels.Channels(z.View, Tensor(s.Bias, s.Out), output, s.Out, shape.OH * shape.OW, rows, s.Activation);
                    break;
                case MaxPool s:
                    kernels.MaxPool(input, output, s.Shape, rows);
                    break;
                case AvgPool s:
                    kernels.AvgPool(input, output, s.Shape, rows);
                    break;
                case Pointwise s:
                    kernels.Activation(input.SubView(0, (long)rows * s.Size), weights.SubView(0, 0), output.SubView(0, (long)rows * s.Size), s.Size, s.Activation, 0);
                    break;
                case Norm s:
                    kernels.BatchNorm(input, output, Tensor(s.Weight, s.Channels), Tensor(s.Bias, s.Channels), statistics.View.SubView(s.Statistics, 2 * s.Channels),
                        s.Channels, s.Positions, s.Eps, s.Activation, (long)rows * s.InputSize);
                    break;
            }
            if (owned is not null) free.Push(owned);
            (input, owned) = (output, result);
        }
        return owned;
    }

    static IEnumerable<Step> Flat(IEnumerable<Step> list) =>
        list.SelectMany(s => s is Block b ? Flat(b.Main).Concat(Flat(b.Shortcut)).Concat(Flat(b.After)).Prepend(s) : [s]);

    /// <summary>
    /// The network's leaves as steps, containers flattened: parameters and buffers are taken in model.parameters() order,
    /// depth first, as theta and the buffers hold them. Other layers are an error that names them.
    /// </summary>
    static List<Step> Steps(Network<float> network)
    {
        var tensors = network.Layout.Tensors;
        var buffers = network.Buffers.Tensors;
        int nextTensor = 0, nextBuffer = 0;
        int Take() => tensors[nextTensor++].Offset;
        List<Step> Compile(IEnumerable<Layer<float>> layers)
        {
            var steps = new List<Step>();
            void Add(Layer<float> layer)
            {
                switch (layer)
                {
                    case Sequential<float> sequential:
                        foreach (var child in sequential.Children) Add(child);
                        break;
                    case Residual<float> residual:
                        var (main, shortcut, after) = residual.Branches;
                        steps.Add(new Block(Compile(main.Children), Compile(shortcut.Children), Compile(after.Children), residual.InputSize, residual.OutputSize));
                        break;
                    case Flatten<float>:
                        break;
                    case Linear<float> linear:
                        int w = Take();
                        steps.Add(new Linear(linear.In, linear.Out, w, linear.Bias ? Take() : -1, GpuActivation.Identity));
                        break;
                    case Conv2d<float> conv:
                        int cw = Take();
                        steps.Add(new Conv(new ConvShape
                        {
                            C = conv.InputShape[0], H = conv.InputShape[1], W = conv.InputShape[2], K = conv.Kernel, Stride = conv.Stride, Padding = conv.Padding,
                            OH = conv.OutputShape[1], OW = conv.OutputShape[2],
                        }, conv.Out, cw, conv.Bias ? Take() : -1, GpuActivation.Identity));
                        break;
                    case BatchNorm<float> norm:
                        int nw = norm.Affine ? Take() : -1, nb = norm.Affine ? Take() : -1;
                        int statistics = buffers[nextBuffer].Offset;
                        nextBuffer += 3;   // running_mean, running_var, num_batches_tracked
                        int channels = norm.InputShape[0];
                        steps.Add(new Norm(channels, norm.InputSize / channels, nw, nb, statistics, (float)norm.Eps, GpuActivation.Identity));
                        break;
                    case Pool2d<float> pool:
                        // A window of ceil mode clipped to the input is what the kernels read.
                        var g = pool.Geometry;
                        var shape = new PoolShape { C = g.C, H = g.H, W = g.W, KH = g.KH, KW = g.KW, Stride = g.S, OH = g.OH, OW = g.OW };
                        steps.Add(pool is MaxPool2d<float> ? new MaxPool(shape) : new AvgPool(shape));
                        break;
                    case Activation<float> activation:
                        var kind = ActivationKernel.Of(activation.Function.Name);
                        Step? joined = steps.Count == 0 ? null : steps[^1] switch
                        {
                            Linear { Activation: GpuActivation.Identity } s => s with { Activation = kind },
                            Conv { Activation: GpuActivation.Identity } s => s with { Activation = kind },
                            Norm { Activation: GpuActivation.Identity } s => s with { Activation = kind },
                            _ => null,
                        };
                        if (joined is null) steps.Add(new Pointwise(layer.InputSize, kind));
                        else steps[^1] = joined;
                        break;
                    default:
                        throw Unsupported(layer);
                }
            }
            foreach (var layer in layers) Add(layer);
            return steps;
        }
        var steps = Compile(network.Layers);
        if (nextTensor != tensors.Count || nextBuffer != buffers.Count)
            throw new InvalidOperationException($"the GPU steps took {nextTensor} of {tensors.Count} parameter tensors and {nextBuffer} of {buffers.Count} buffers");
        if (steps.Count == 0 || steps[^1] is not Linear) throw new BasinException("{device}", "the model does not end in a linear layer", "use {device} cpu");
        return steps;
    }

    static BasinException Unsupported(Layer<float> layer) => new("{device}",
        $"the CUDA backend runs linear and convolution layers, BatchNorm in eval mode, pooling, residual blocks and activations after them so far, not {layer.Describe()}",
        "use {device} cpu for this model");

    public void Dispose()
    {
        foreach (var buffer in new MemoryBuffer[] { examples, z, cols, statistics, labels, loss, correct, total }.Concat(activations)) buffer.Dispose();
    }
}
