using Basin.Cuda.Kernels;
using Basin.Data;
using Basin.Engine;
using Basin.Engine.Layers;
using Basin.Objective;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>
/// The mean cross-entropy and accuracy of a chain of linear layers and activations over a data set, on the GPU: theta
/// and the labels are uploaded once, the examples in chunks; each layer is one GEMM (x W^T) and one bias-and-activation
/// pass, each row's loss is kept on the device and the rows are summed in a fixed order at the end.
/// </summary>
internal static class GpuEvaluation
{
    /// <summary>A linear layer's weights and bias in theta, and the activation after it (identity when none follows).</summary>
    readonly record struct Step(int In, int Out, int Weight, int Bias, GpuActivation Activation);

    public static Evaluation Evaluate(GpuDevice device, Network<float> network, ReadOnlySpan<float> theta, DataSet data, int chunk = 8192)
    {
        if (data.Labels is null)
            throw new BasinException("{device}", "the CUDA backend evaluates the cross-entropy of labelled data only so far", "use {device} cpu");
        var steps = Steps(network);
        var kernels = device.Kernels;
        var accelerator = device.Accelerator;
        int n = data.Count, widest = Math.Max(network.InputSize, steps.Max(s => s.Out));
        chunk = Math.Min(chunk, n);
        using var weights = accelerator.Allocate1D(theta.ToArray());
        using var labels = accelerator.Allocate1D(data.Labels);
        using var x = accelerator.Allocate1D<float>((long)chunk * widest);
        using var y = accelerator.Allocate1D<float>((long)chunk * widest);
        using var loss = accelerator.Allocate1D<double>(n);
        using var correct = accelerator.Allocate1D<double>(n);
        using var total = accelerator.Allocate1D<double>(2);
        var host = new float[(long)chunk * network.InputSize];
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            if (rows < chunk) host = new float[(long)rows * network.InputSize];
            data.CopyFeatures(start, rows, host);
            x.View.SubView(0, host.Length).CopyFromCPU(host);
            var (input, output) = (x.View, y.View);
            foreach (var s in steps)
            {
                var z = output.SubView(0, (long)rows * s.Out);
                kernels.Gemm(input, weights.View.SubView(s.Weight, (long)s.Out * s.In), z, GemmShape.Of(rows, s.Out, s.In, transposeA: false, transposeB: true));
                var bias = s.Bias < 0 ? weights.View.SubView(0, 0) : weights.View.SubView(s.Bias, s.Out);
                kernels.Activation(z, bias, z, s.Out, s.Activation, 0);
                (input, output) = (output, input);
            }
            kernels.CrossEntropy(input.SubView(0, (long)rows * steps[^1].Out), labels.View.SubView(start, rows), loss.View.SubView(start, rows),
                correct.View.SubView(start, rows), steps[^1].Out);
        }
        kernels.Sum(loss.View, total.View.SubView(0, 1), n);
        kernels.Sum(correct.View, total.View.SubView(1, 1), n);
        var sums = total.GetAsArray1D();
        return new Evaluation(sums[0] / n, sums[1] / n, n);
    }

    /// <summary>The network as linear steps; other layers are an error that names them.</summary>
    static List<Step> Steps(Network<float> network)
    {
        var steps = new List<Step>();
        var tensors = network.Layout.Tensors;
        for (int i = 0; i < network.Layers.Length; i++)
            switch (network.Layers[i])
            {
                case Flatten<float>:
                    break;
                case Linear<float> linear:
                    var own = tensors.Where(t => t.Layer == i).ToList();
                    steps.Add(new Step(linear.In, linear.Out, own.Single(t => !t.IsBias).Offset, own.SingleOrDefault(t => t.IsBias)?.Offset ?? -1, GpuActivation.Identity));
                    break;
                case Activation<float> activation when steps.Count > 0 && steps[^1].Activation == GpuActivation.Identity:
                    steps[^1] = steps[^1] with { Activation = ActivationKernel.Of(activation.Function.Name) };
                    break;
                case var layer:
                    throw new BasinException("{device}", $"the CUDA backend runs linear layers and their activations so far, not {layer.Describe()}",
                        "use {device} cpu for this model");
            }
        if (steps.Count == 0) throw new BasinException("{device}", "the model has no linear layer", "use {device} cpu");
        return steps;
    }
}
