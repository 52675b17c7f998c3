using Basin.Cuda.Kernels;
using Basin.Data;
using Basin.Engine;
using Basin.Engine.Layers;
using Basin.Objective;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>
/// The mean cross-entropy and accuracy of a chain of linear and convolution layers, their activations and max pooling
/// over a data set, on the GPU: theta and the labels are uploaded once, the examples in chunks; a linear layer is one
/// GEMM (x W^T) and a bias-and-activation pass, a convolution one column matrix of the chunk, one GEMM (W cols) and one
/// pass back to the images' layout with bias and activation. Each row's loss is kept on the device and the rows are
/// summed in a fixed order at the end.
/// </summary>
internal static class GpuEvaluation
{
    /// <summary>Column matrices are kept under this many floats (256 MB): the chunk shrinks for wide convolutions.</summary>
    const long ColumnBudget = 64L << 20;

    abstract record Step(int InputSize, int OutputSize);
    /// <summary>A linear or convolution layer's weights and bias in theta, and the activation after it (identity when none follows).</summary>
    sealed record Linear(int In, int Out, int Weight, int Bias, GpuActivation Activation) : Step(In, Out);
    sealed record Conv(ConvShape Shape, int Out, int Weight, int Bias, GpuActivation Activation) : Step(Shape.C * Shape.H * Shape.W, Out * Shape.OH * Shape.OW);
    sealed record MaxPool(PoolShape Shape) : Step(Shape.C * Shape.H * Shape.W, Shape.C * Shape.OH * Shape.OW);

    public static Evaluation Evaluate(GpuDevice device, Network<float> network, ReadOnlySpan<float> theta, DataSet data, int chunk = 8192)
    {
        if (data.Labels is null)
            throw new BasinException("{device}", "the CUDA backend evaluates the cross-entropy of labelled data only so far", "use {device} cpu");
        var steps = Steps(network);
        var kernels = device.Kernels;
        var accelerator = device.Accelerator;
        int n = data.Count, widest = Math.Max(network.InputSize, steps.Max(s => s.OutputSize));
        long columns = steps.OfType<Conv>().Select(c => (long)c.Shape.Rows * c.Shape.OH * c.Shape.OW).DefaultIfEmpty(0).Max();
        chunk = (int)Math.Max(1, Math.Min(Math.Min(chunk, n), columns == 0 ? n : ColumnBudget / columns));
        using var weights = accelerator.Allocate1D(theta.ToArray());
        using var labels = accelerator.Allocate1D(data.Labels);
        using var x = accelerator.Allocate1D<float>((long)chunk * widest);
        using var y = accelerator.Allocate1D<float>((long)chunk * widest);
        using var cols = accelerator.Allocate1D<float>(Math.Max(1, chunk * columns));
        using var loss = accelerator.Allocate1D<double>(n);
        using var correct = accelerator.Allocate1D<double>(n);
        using var total = accelerator.Allocate1D<double>(2);
        ArrayView<float> Bias(int offset, int length) => offset < 0 ? weights.View.SubView(0, 0) : weights.View.SubView(offset, length);
        var host = new float[(long)chunk * network.InputSize];
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            if (rows < chunk) host = new float[(long)rows * network.InputSize];
            data.CopyFeatures(start, rows, host);
            x.View.SubView(0, host.Length).CopyFromCPU(host);
            var (input, output) = (x.View, y.View);
            foreach (var step in steps)
            {
                switch (step)
                {
                    case Linear s:
                        var z = output.SubView(0, (long)rows * s.Out);
                        kernels.Gemm(input, weights.View.SubView(s.Weight, (long)s.Out * s.In), z, GemmShape.Of(rows, s.Out, s.In, transposeA: false, transposeB: true));
                        kernels.Activation(z, Bias(s.Bias, s.Out), z, s.Out, s.Activation, 0);
                        break;
                    case Conv s:
                        var shape = s.Shape with { Images = rows };
                        kernels.Im2Col(input, cols.View, shape);
                        // The GEMM's result (channels x columns) goes where the input was, then back to the images' layout.
                        kernels.Gemm(weights.View.SubView(s.Weight, (long)s.Out * shape.Rows), cols.View, input, GemmShape.Of(s.Out, shape.Columns, shape.Rows, false, false));
                        kernels.Channels(input, Bias(s.Bias, s.Out), output, s.Out, shape.OH * shape.OW, rows, s.Activation);
                        break;
                    case MaxPool s:
                        kernels.MaxPool(input, output, s.Shape, rows);
                        break;
                }
                (input, output) = (output, input);
            }
            int classes = steps[^1].OutputSize;
            kernels.CrossEntropy(input.SubView(0, (long)rows * classes), labels.View.SubView(start, rows), loss.View.SubView(start, rows),
                correct.View.SubView(start, rows), classes);
        }
        kernels.Sum(loss.View, total.View.SubView(0, 1), n);
        kernels.Sum(correct.View, total.View.SubView(1, 1), n);
        var sums = total.GetAsArray1D();
        return new Evaluation(sums[0] / n, sums[1] / n, n);
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
                    var (w, b) = Offsets(i);
                    steps.Add(new Linear(linear.In, linear.Out, w, b, GpuActivation.Identity));
                    break;
                case Conv2d<float> conv:
                    var (cw, cb) = Offsets(i);
                    var (c, h, wd) = (conv.InputShape[0], conv.InputShape[1], conv.InputShape[2]);
                    steps.Add(new Conv(new ConvShape
                    {
                        C = c, H = h, W = wd, K = conv.Kernel, Stride = conv.Stride, Padding = conv.Padding, OH = conv.OutputShape[1], OW = conv.OutputShape[2],
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
        if (steps.Count == 0 || steps[^1] is not Linear and not Conv) throw new BasinException("{device}", "the model does not end in a linear layer", "use {device} cpu");
        return steps;
    }
}
