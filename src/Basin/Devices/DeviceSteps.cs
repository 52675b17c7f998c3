using Basin.Engine;
using Basin.Engine.Layers;

namespace Basin.Devices;

/// <summary>
/// A network as a device runs it: its leaves as steps, an activation joined to the linear, convolution or BatchNorm layer
/// before it, containers flattened and residual blocks kept as blocks, each step holding its tensors' offsets in theta
/// (or in the buffers).
/// </summary>
internal static class DeviceSteps
{
    internal abstract record Step(int InputSize, int OutputSize);
    /// <summary>A linear or convolution layer's weights and bias in theta, and the activation after it (identity when none follows).</summary>
    internal sealed record Linear(int In, int Out, int Weight, int Bias, ActivationKind Activation) : Step(In, Out);
    internal sealed record Conv(ConvShape Shape, int Out, int Weight, int Bias, ActivationKind Activation) : Step(Shape.C * Shape.H * Shape.W, Out * Shape.OH * Shape.OW);
    internal sealed record MaxPool(PoolShape Shape) : Step(Shape.C * Shape.H * Shape.W, Shape.C * Shape.OH * Shape.OW);
    internal sealed record AvgPool(PoolShape Shape) : Step(Shape.C * Shape.H * Shape.W, Shape.C * Shape.OH * Shape.OW);
    /// <summary>BatchNorm in eval mode: its affine parameters in theta (-1 without), its running mean and variance in the buffers.</summary>
    internal sealed record Norm(int Channels, int Positions, int Weight, int Bias, int Statistics, float Eps, ActivationKind Activation)
        : Step(Channels * Positions, Channels * Positions);
    /// <summary>An activation that follows no layer it can join (a residual block's after=relu).</summary>
    internal sealed record Pointwise(int Size, ActivationKind Activation) : Step(Size, Size);
    /// <summary>A residual block: after(main(x) + shortcut(x)), an empty shortcut the identity.</summary>
    internal sealed record Block(List<Step> Main, List<Step> Shortcut, List<Step> After, int In, int Out) : Step(In, Out);

    public static IEnumerable<Step> Flat(IEnumerable<Step> list) =>
        list.SelectMany(s => s is Block b ? Flat(b.Main).Concat(Flat(b.Shortcut)).Concat(Flat(b.After)).Prepend(s) : [s]);

    /// <summary>
    /// The network's leaves as steps, containers flattened: parameters and buffers are taken in model.parameters() order,
    /// depth first, as theta and the buffers hold them. Other layers are an error that names them.
    /// </summary>
    public static List<Step> Compile(Network<float> network)
    {
        var tensors = network.Layout.Tensors;
        var buffers = network.Buffers.Tensors;
        int nextTensor = 0, nextBuffer = 0;
        int Take() => tensors[nextTensor++].Offset;
        List<Step> Steps(IEnumerable<Layer<float>> layers)
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
                        steps.Add(new Block(Steps(main.Children), Steps(shortcut.Children), Steps(after.Children), residual.InputSize, residual.OutputSize));
                        break;
                    case Flatten<float>:
                        break;
                    case Linear<float> linear:
                        int w = Take();
                        steps.Add(new Linear(linear.In, linear.Out, w, linear.Bias ? Take() : -1, ActivationKind.Identity));
                        break;
                    case Conv2d<float> conv:
                        int cw = Take();
                        steps.Add(new Conv(new ConvShape
                        {
                            C = conv.InputShape[0], H = conv.InputShape[1], W = conv.InputShape[2], K = conv.Kernel, Stride = conv.Stride, Padding = conv.Padding,
                            OH = conv.OutputShape[1], OW = conv.OutputShape[2],
                        }, conv.Out, cw, conv.Bias ? Take() : -1, ActivationKind.Identity));
                        break;
                    case BatchNorm<float> norm:
                        int nw = norm.Affine ? Take() : -1, nb = norm.Affine ? Take() : -1;
                        int statistics = buffers[nextBuffer].Offset;
                        nextBuffer += 3;   // running_mean, running_var, num_batches_tracked
                        int channels = norm.InputShape[0];
                        steps.Add(new Norm(channels, norm.InputSize / channels, nw, nb, statistics, (float)norm.Eps, ActivationKind.Identity));
                        break;
                    case Pool2d<float> pool:
                        // A window of ceil mode clipped to the input is what the kernels read.
                        var g = pool.Geometry;
                        var shape = new PoolShape { C = g.C, H = g.H, W = g.W, KH = g.KH, KW = g.KW, Stride = g.S, OH = g.OH, OW = g.OW };
                        steps.Add(pool is MaxPool2d<float> ? new MaxPool(shape) : new AvgPool(shape));
                        break;
                    case Activation<float> activation:
                        var kind = ActivationKinds.Of(activation.Function.Name);
                        Step? joined = steps.Count == 0 ? null : steps[^1] switch
                        {
                            Linear { Activation: ActivationKind.Identity } s => s with { Activation = kind },
                            Conv { Activation: ActivationKind.Identity } s => s with { Activation = kind },
                            Norm { Activation: ActivationKind.Identity } s => s with { Activation = kind },
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
        var steps = Steps(network.Layers);
        if (nextTensor != tensors.Count || nextBuffer != buffers.Count)
            throw new InvalidOperationException($"the device steps took {nextTensor} of {tensors.Count} parameter tensors and {nextBuffer} of {buffers.Count} buffers");
        if (steps.Count == 0 || steps[^1] is not Linear) throw new BasinException("{device}", "the model does not end in a linear layer", "use {device} cpu");
        return steps;
    }

    static BasinException Unsupported(Layer<float> layer) => new("{device}",
        $"the CUDA backend runs linear and convolution layers, BatchNorm, pooling, residual blocks and activations after them so far, not {layer.Describe()}",
        "use {device} cpu for this model");

}
