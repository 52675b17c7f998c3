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
/// and writes the result back in the images' layout with bias and activation; max pooling is one pass. The mean sums the
/// examples' losses on the device in a fixed order.
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

    readonly GpuDevice device;
    readonly List<Step> steps;
    readonly int chunk, inputSize;
    readonly MemoryBuffer1D<float, Stride1D.Dense> examples, a, b, z, cols;
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
        int widest = Math.Max(inputSize, steps.Max(s => s.OutputSize));
        long columns = steps.OfType<Conv>().Select(c => (long)c.Shape.Rows * c.Shape.OH * c.Shape.OW).DefaultIfEmpty(0).Max();
        this.chunk = (int)Math.Max(1, Math.Min(Math.Min(chunk, Count), columns == 0 ? Count : ColumnBudget / columns));
        var features = new float[(long)Count * inputSize];
        data.CopyFeatures(0, Count, features);
        var accelerator = device.Accelerator;
        examples = accelerator.Allocate1D(features);
        labels = accelerator.Allocate1D(data.Labels);
        a = accelerator.Allocate1D<float>((long)this.chunk * widest);
        b = accelerator.Allocate1D<float>((long)this.chunk * widest);
        z = accelerator.Allocate1D<float>((long)this.chunk * widest);
        cols = accelerator.Allocate1D<float>(Math.Max(1, this.chunk * columns));
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
        var kernels = device.Kernels;
        ArrayView<float> Bias(int offset, int length) => offset < 0 ? weights.SubView(0, 0) : weights.SubView(offset, length);
        for (int start = 0; start < Count; start += chunk)
        {
            int rows = Math.Min(chunk, Count - start), k = 0;
            var input = examples.View.SubView((long)start * inputSize, (long)rows * inputSize);
            foreach (var step in steps)
            {
                var output = k++ % 2 == 0 ? a.View : b.View;
                switch (step)
                {
                    case Linear s:
                        var y = output.SubView(0, (long)rows * s.Out);
                        kernels.Gemm(input, weights.SubView(s.Weight, (long)s.Out * s.In), y, GemmShape.Of(rows, s.Out, s.In, transposeA: false, transposeB: true));
                        kernels.Activation(y, Bias(s.Bias, s.Out), y, s.Out, s.Activation, 0);
                        break;
                    case Conv s:
                        var shape = s.Shape with { Images = rows };
                        kernels.Im2Col(input, cols.View, shape);
                        kernels.Gemm(weights.SubView(s.Weight, (long)s.Out * shape.Rows), cols.View, z.View, GemmShape.Of(s.Out, shape.Columns, shape.Rows, false, false));
                        kernels.Channels(z.View, Bias(s.Bias, s.Out), output, s.Out, shape.OH * shape.OW, rows, s.Activation);
                        break;
                    case MaxPool s:
                        kernels.MaxPool(input, output, s.Shape, rows);
                        break;
                }
                input = output;
            }
            int classes = steps[^1].OutputSize;
            kernels.CrossEntropy(input.SubView(0, (long)rows * classes), labels.View.SubView(start, rows), loss.View.SubView(start, rows),
                correct.View.SubView(start, rows), classes);
        }
    }

    /// <summary>The network as steps; other layers are an error that names them.</summary>
    static List<Step> Steps(Network<float> network)
    {
        var steps = new List<Step>();
        var tensors = network.Layout.Tensors;
        (int Weight, int Bias) Offsets(int layer)
        {
            var own = tensors.Where(t => t.Layer == layer).ToList();
            return (own.Single(t => !t.IsBias).Offset, own.SingleOrDefault(t => t.IsBias)?.Offset ?? -1);
        }
        for (int i = 0; i < network.Layers.Length; i++)
            switch (network.Layers[i])
            {
                case Flatten<float>:
                    break;
                case Linear<float> linear:
                    var (w, bias) = Offsets(i);
                    steps.Add(new Linear(linear.In, linear.Out, w, bias, GpuActivation.Identity));
                    break;
                case Conv2d<float> conv:
                    var (cw, cb) = Offsets(i);
                    steps.Add(new Conv(new ConvShape
                    {
                        C = conv.InputShape[0], H = conv.InputShape[1], W = conv.InputShape[2], K = conv.Kernel, Stride = conv.Stride, Padding = conv.Padding,
                        OH = conv.OutputShape[1], OW = conv.OutputShape[2],
                    }, conv.Out, cw, cb, GpuActivation.Identity));
                    break;
                case MaxPool2d<float> pool when !pool.Geometry.Ceil:
                    var g = pool.Geometry;
                    steps.Add(new MaxPool(new PoolShape { C = g.C, H = g.H, W = g.W, KH = g.KH, KW = g.KW, Stride = g.S, OH = g.OH, OW = g.OW }));
                    break;
                case Activation<float> activation when steps.Count > 0 && steps[^1] is Linear { Activation: GpuActivation.Identity } last:
                    steps[^1] = last with { Activation = ActivationKernel.Of(activation.Function.Name) };
                    break;
                case Activation<float> activation when steps.Count > 0 && steps[^1] is Conv { Activation: GpuActivation.Identity } last:
                    steps[^1] = last with { Activation = ActivationKernel.Of(activation.Function.Name) };
                    break;
                case var layer:
                    throw new BasinException("{device}", $"the CUDA backend runs linear and convolution layers, their activations and max pooling so far, not {layer.Describe()}",
                        "use {device} cpu for this model");
            }
        if (steps.Count == 0 || steps[^1] is not Linear) throw new BasinException("{device}", "the model does not end in a linear layer", "use {device} cpu");
        return steps;
    }

    public void Dispose()
    {
        foreach (var buffer in new MemoryBuffer[] { examples, a, b, z, cols, labels, loss, correct, total }) buffer.Dispose();
    }
}
