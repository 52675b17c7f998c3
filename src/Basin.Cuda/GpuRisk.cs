using Basin.Cuda.Kernels;
using static Basin.Cuda.GpuSteps;
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

    /// <summary>The network's steps, and the data, labels and BatchNorm statistics on the device, for the backward passes.</summary>
    internal List<Step> Network => steps;
    internal int InputSize => inputSize;
    internal ArrayView<float> Features => examples.View;
    internal ArrayView<int> Labels => labels.View;
    internal ArrayView<float> Statistics => statistics.View;

    public GpuRisk(GpuDevice device, Network<float> network, DataSet data, int chunk = 8192)
    {
        if (data.Labels is null)
            throw new BasinException("{device}", "the CUDA backend evaluates the cross-entropy of labelled data only so far", "use {device} cpu");
        this.device = device;
        steps = GpuSteps.Compile(network);
        Count = data.Count;
        Parameters = network.ParameterCount;
        inputSize = network.InputSize;
        var all = GpuSteps.Flat(steps).ToList();
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

    public void Dispose()
    {
        foreach (var buffer in new MemoryBuffer[] { examples, z, cols, statistics, labels, loss, correct, total }.Concat(activations)) buffer.Dispose();
    }
}
