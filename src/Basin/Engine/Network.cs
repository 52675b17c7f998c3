using System.Numerics;
using Basin.Engine.Layers;
using Basin.Tensors;

namespace Basin.Engine;

/// <summary>
/// A sequential network over a flat parameter vector theta. It owns no weights: every pass takes theta
/// (and, for the R-operator, a direction v) and per-thread buffers from a <see cref="Workspace{T}"/>.
/// </summary>
public sealed class Network<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Layer<T>[] Layers { get; }
    readonly int[] offsets;

    public ParameterLayout Layout { get; }
    public int[] InputShape { get; }
    public int InputSize { get; }
    public int OutputSize { get; }
    public int ParameterCount => Layout.Count;

    internal Network(Layer<T>[] layers, int[] inputShape)
    {
        Layers = layers;
        InputShape = inputShape;
        InputSize = Layer<T>.Product(inputShape);
        OutputSize = layers.Length == 0 ? InputSize : layers[^1].OutputSize;
        offsets = new int[layers.Length + 1];
        var tensors = new List<ParameterTensor>();
        var buffers = new List<BufferTensor>();
        int values = 0, counts = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            string name = layers[i].Name.Length > 0 ? layers[i].Name : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            offsets[i + 1] = offsets[i];
            foreach (var p in layers[i].Parameters)
            {
                int length = Layer<T>.Product(p.Shape);
                bool bias = p.Suffix == "bias" || p.Suffix.EndsWith(".bias", StringComparison.Ordinal);
                tensors.Add(new ParameterTensor($"{name}.{p.Suffix}", p.Shape, offsets[i + 1], length, i, bias && !p.Normalization, p.Normalization));
                offsets[i + 1] = checked(offsets[i + 1] + length);
            }
            foreach (var b in layers[i].Buffers)
            {
                int length = Layer<T>.Product(b.Shape);
                buffers.Add(new BufferTensor($"{name}.{b.Suffix}", b.Shape, b.IsCount ? counts : values, length, b.IsCount));
                if (b.IsCount) counts++;
                else values += length;
            }
        }
        Buffers = new ModelBuffers(buffers);
        Layout = new ParameterLayout(tensors, Buffers);
        Layer<T>.BindAll(layers, Buffers);
        Buffers.Reset();
    }

    /// <summary>Dense FLOPs of one example's forward pass (convolutions and linear layers).</summary>
    internal double ForwardFlops => Layers.Sum(l => l.ForwardFlops);

    /// <summary>BatchNorm's running statistics and the mode of the next pass (empty for a network without normalization).</summary>
    internal ModelBuffers Buffers { get; }

    /// <summary>Whether a layer from <paramref name="first"/> on keeps transformed weights per thread (a Winograd convolution).</summary>
    internal bool TransformsWeightsFrom(int first) => Layers.Skip(first).SelectMany(Leaf).OfType<Conv2d<T>>().Any(c => c.TransformsWeights);

    /// <summary>The leaves of the module tree, depth first, containers opened.</summary>
    internal IEnumerable<Layer<T>> Leaves => Layers.SelectMany(Leaf);

    static IEnumerable<Layer<T>> Leaf(Layer<T> layer) => layer switch
    {
        Sequential<T> sequential => sequential.Children.SelectMany(Leaf),
        Residual<T> residual => new[] { residual.Branches.Main, residual.Branches.Shortcut, residual.Branches.After }.SelectMany(Leaf),
        _ => [layer],
    };

    /// <summary>
    /// Every BatchNorm's running statistics moved toward a train-mode batch of <paramref name="batch"/> examples whose
    /// means and biased variances were computed elsewhere (laid out as the buffers' values), as a training step here would.
    /// </summary>
    internal void TrackBatchStatistics(ReadOnlySpan<double> statistics, int batch)
    {
        foreach (var norm in Leaves.OfType<BatchNorm<T>>()) norm.Track(statistics, batch);
    }

    /// <summary>The spec as the user wrote it (a preset's name stays a name), for display; <see cref="Describe"/> spells it out.</summary>
    public string Source { get; internal set; } = "";

    public string Describe() => string.Join(",", Layers.Select(Layer<T>.Named));

    ReadOnlySpan<T> Slice(ReadOnlySpan<T> theta, int i) => theta[offsets[i]..offsets[i + 1]];
    Span<T> Slice(Span<T> theta, int i) => theta.IsEmpty ? theta : theta[offsets[i]..offsets[i + 1]];

    internal Workspace<T> CreateWorkspace(int batch) => new(this, batch);

    /// <summary>Bytes of one <see cref="Workspace{T}"/> for batches of this size (four buffers per layer output, and scratch).</summary>
    internal double WorkspaceBytes(int batch)
    {
        double outputs = 0, scratch = 0;
        foreach (var layer in Layers)
        {
            outputs += (double)batch * layer.OutputSize;
            scratch = layer.StateSize(batch) > 0 ? scratch + layer.StateSize(batch) + layer.ScratchSize(batch) : Math.Max(scratch, layer.ScratchSize(batch));
        }
        return (4 * outputs + scratch) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }

    /// <summary>
    /// Runs the batch x (batch x InputSize) forward; the output is <c>ws.Output(batch)</c>. A first linear layer
    /// skips the zero inputs that <paramref name="pattern"/> describes, here and in the R-forward.
    /// </summary>
    internal void Forward(ReadOnlySpan<T> theta, ReadOnlyMemory<T> x, int batch, Workspace<T> ws, ZeroPattern? pattern = null,
        ReadOnlyMemory<T> packed = default)
    {
        ws.SetInput(x, pattern, packed);
        ForwardRange(theta, 0, Layers.Length, batch, ws);
    }

    /// <summary>The first layer, when it is linear and the workspace knows its input's zero pattern.</summary>
    Linear<T>? SparseInputLayer(Workspace<T> ws) => ws.InputPattern is not null && Layers.Length > 0 ? Layers[0] as Linear<T> : null;

    /// <summary>Index of the first layer with parameters (-1 when none): the layers before it are fixed maps.</summary>
    internal int FirstParametric => Array.FindIndex(Layers, l => l.ParameterCount > 0);

    /// <summary>Offset in theta of layer i's parameters.</summary>
    internal int Offset(int i) => offsets[i];

    /// <summary>Runs layers [first, last) on the input already in place, with theta's slices for those layers.</summary>
    internal void ForwardRange(ReadOnlySpan<T> theta, int first, int last, int batch, Workspace<T> ws)
    {
        for (int i = first; i < last; i++)
            if (i == 0 && SparseInputLayer(ws) is { } linear) linear.Forward(Slice(theta, 0), ws.In(0, batch), ws.InputPattern!, ws.InputPacked.Span, ws.Out(0, batch), batch, ws.WeightPanels.Span);
            else Layers[i].Forward(Slice(theta, i), ws.In(i, batch), ws.Out(i, batch), batch, ws.ScratchOf(i));
    }

    /// <summary>Runs layers first.. with <paramref name="tail"/> holding theta from <c>Offset(first)</c> on.</summary>
    internal void ForwardTail(ReadOnlySpan<T> tail, int first, int batch, Workspace<T> ws)
    {
        int origin = offsets[first];
        for (int i = first; i < Layers.Length; i++)
            Layers[i].Forward(tail[(offsets[i] - origin)..(offsets[i + 1] - origin)], ws.In(i, batch), ws.Out(i, batch), batch, ws.ScratchOf(i));
    }

    /// <summary>Back-propagates <c>ws.OutputDelta</c>; grad = J^T delta, overwritten (grad may be empty).</summary>
    internal void Backward(ReadOnlySpan<T> theta, int batch, Workspace<T> ws, Span<T> grad)
    {
        for (int i = Layers.Length - 1; i >= 0; i--)
        {
            var dx = i > 0 ? ws.Delta(i - 1, batch) : Span<T>.Empty;
            if (i == 0 && !grad.IsEmpty && SparseInputLayer(ws) is { } linear)
            {
                linear.ParameterGradient(ws.In(0, batch), ws.InputPattern!, ws.InputPacked.Span, ws.Delta(0, batch), Slice(grad, 0), batch);
                continue;
            }
            Layers[i].Backward(Slice(theta, i), ws.In(i, batch), ws.Delta(i, batch), dx, Slice(grad, i), batch, ws.ScratchOf(i));
        }
    }

    /// <summary>R-forward along v after <see cref="Forward"/>; the output's R{z} = J v is <c>ws.ROut(last)</c>.</summary>
    internal void ForwardR(ReadOnlySpan<T> theta, ReadOnlySpan<T> v, int batch, Workspace<T> ws)
    {
        // The input does not move with v, so the first layer's R-forward is its forward with v's weights.
        for (int i = 0; i < Layers.Length; i++)
            if (i == 0 && SparseInputLayer(ws) is { } linear) linear.Forward(Slice(v, 0), ws.In(0, batch), ws.InputPattern!, ws.InputPacked.Span, ws.ROut(0, batch), batch, ws.DirectionPanels.Span);
            else Layers[i].ForwardR(Slice(theta, i), Slice(v, i), ws.In(i, batch), i > 0 ? ws.ROut(i - 1, batch) : default,
                ws.ROut(i, batch), batch, ws.ScratchOf(i));
    }

    /// <summary>
    /// Second-order forward along v after <see cref="ForwardR"/>: the output's d^2 z/dt^2 goes to
    /// <c>ws.R2Output</c>. Returns false (nothing written) when it is zero, as for a single linear layer.
    /// </summary>
    internal bool ForwardR2(ReadOnlySpan<T> theta, ReadOnlySpan<T> v, int batch, Workspace<T> ws)
    {
        bool nonzero = false;
        for (int i = 0; i < Layers.Length; i++)
            nonzero = Layers[i].ForwardR2(Slice(theta, i), Slice(v, i), ws.In(i, batch), i > 0 ? ws.ROut(i - 1, batch) : default,
                nonzero ? ws.R2Out(i - 1, batch) : default, ws.R2Out(i, batch), batch, ws.ScratchOf(i));
        return nonzero;
    }

    /// <summary>
    /// Backward and R-backward together from <c>ws.OutputDelta</c> and <c>ws.ROutputDelta</c>:
    /// hv = R{grad} = H v (the data part), overwritten. With <paramref name="deltasKnown"/> the plain deltas of every
    /// layer are already in the workspace (a linearization kept across products) and are not recomputed.
    /// </summary>
    internal void BackwardR(ReadOnlySpan<T> theta, ReadOnlySpan<T> v, int batch, Workspace<T> ws, Span<T> hv, bool deltasKnown = false)
    {
        for (int i = Layers.Length - 1; i >= 0; i--)
        {
            var layer = Layers[i];
            var p = Slice(theta, i);
            var x = ws.In(i, batch);
            var rx = i > 0 ? ws.ROut(i - 1, batch) : default;
            var dy = ws.Delta(i, batch);
            var rdy = ws.RDelta(i, batch);
            var dx = i > 0 ? ws.Delta(i - 1, batch) : Span<T>.Empty;
            var rdx = i > 0 ? ws.RDelta(i - 1, batch) : Span<T>.Empty;
            // The input does not move with v: the first layer's R{gp} is its parameter gradient for R{dy}.
            if (i == 0 && SparseInputLayer(ws) is { } linear) linear.ParameterGradient(x, ws.InputPattern!, ws.InputPacked.Span, rdy, Slice(hv, 0), batch);
            else layer.BackwardAndR(p, Slice(v, i), x, rx, dy, rdy, deltasKnown ? Span<T>.Empty : dx, rdx, Slice(hv, i), batch, ws.ScratchOf(i));
        }
    }
}
