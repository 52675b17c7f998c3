using System.Numerics;
using Basin.Tensors;

namespace Basin.Engine.Layers;

/// <summary>
/// 2D convolution with weight [out,in,k,k] and bias [out] (PyTorch nn.Conv2d), by im2col and GEMM, or, for 3x3 kernels at
/// stride 1 with padding 1 and 16 or more channels, by Winograd's F(2x2, 3x3) (see <see cref="Winograd"/>). The forward pass and
/// the input gradient are per example, so a pass that runs alone (a training step's single BatchNorm shard) shares its
/// examples out to the team, each worker with its own column buffer; inside a wave of shards the team is busy and they
/// run in order. The weight gradient sums over examples in order (each example's product split by columns), so no bit
/// depends on the split.
/// </summary>
internal sealed unsafe class Conv2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Im2Col geometry;

    /// <summary>
    /// The F(2x2, 3x3) geometry of a 3x3 convolution at stride 1 with padding 1 and at least WinogradChannels channels in
    /// and out: its forward, input-gradient and R-forward passes go by it (the weight gradients stay im2col products).
    /// </summary>
    readonly Winograd? winograd;

    /// <summary>Fewer channels make the 16 products too thin (k = channels) to beat one im2col product of k = 9 channels.</summary>
    const int WinogradChannels = 16;

    /// <summary>The transformed weights a layer keeps (<see cref="WinogradWeights{T}"/>): W, its adjoint, V, [V | W] and the adjoint's [W | V].</summary>
    const int ForwardSlot = 0, AdjointSlot = 1, DirectionSlot = 2, RForwardSlot = 3, RAdjointSlot = 4;
    public int In { get; }
    public int Out { get; }
    public int Kernel { get; }
    public int Stride { get; }
    public int Padding { get; }
    public bool Bias { get; }

    public Conv2d(int[] inputShape, int @in, int @out, int kernel, int stride, int padding, bool bias) : base(inputShape)
    {
        In = @in; Out = @out; Kernel = kernel; Stride = stride; Padding = padding; Bias = bias;
        geometry = new Im2Col(inputShape[0], inputShape[1], inputShape[2], kernel, stride, padding);
        OutputShape = [@out, geometry.OutHeight, geometry.OutWidth];
        if (kernel == 3 && stride == 1 && padding == 1 && Math.Min(@in, @out) >= WinogradChannels) winograd = new Winograd(inputShape[1], inputShape[2]);
    }

    public override IReadOnlyList<TensorSpec> Parameters =>
        Bias ? [new("weight", [Out, In, Kernel, Kernel]), new("bias", [Out])] : [new("weight", [Out, In, Kernel, Kernel])];

    public override string Describe() =>
        $"conv2d({In},{Out},{Kernel}{(Stride != 1 ? $",stride={Stride}" : "")}{(Padding != 0 ? $",padding={Padding}" : "")}{(Bias ? "" : ",bias=false")})";

    public override double ForwardFlops => 2.0 * Out * Rows * Cols;

    /// <summary>Whether it convolves by Winograd's algorithm, with weights transformed and kept per thread (<see cref="WinogradWeights{T}"/>).</summary>
    internal bool TransformsWeights => winograd is not null;

    int Rows => geometry.Rows;
    int Cols => geometry.Columns;

    /// <summary>Workers that share a pass's examples: every core, at most 8 (each holds a column buffer).</summary>
    static readonly int Team = Math.Clamp(Environment.ProcessorCount, 1, 8);

    public override int ScratchSize(int batch) => Math.Max(2, Team) * Rows * Padded(Cols);

    static int Padded(int n) => Gemm.LeadingDimension<T>(n);

    ReadOnlySpan<T> W(ReadOnlySpan<T> p) => p[..(Out * Rows)];

    void AddBias(ReadOnlySpan<T> p, Span<T> y)
    {
        if (!Bias) return;
        var b = p.Slice(Out * Rows, Out);
        for (int o = 0; o < Out; o++)
        {
            var row = y.Slice(o * Cols, Cols);
            System.Numerics.Tensors.TensorPrimitives.Add(row, b[o], row);
        }
    }

    /// <summary>gb (+)= the per-channel sums of dy: overwritten for the first example of a batch.</summary>
    void SumBias(ReadOnlySpan<T> dy, Span<T> gp, bool first)
    {
        if (!Bias) return;
        var gb = gp.Slice(Out * Rows, Out);
        for (int o = 0; o < Out; o++)
        {
            T sum = System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice(o * Cols, Cols));
            gb[o] = first ? sum : gb[o] + sum;
        }
    }

    /// <summary>
    /// Examples worker, worker + threads, ... of a forward pass (kind 0) or an input-gradient pass (kind 1), in groups
    /// (see <see cref="ForwardGroup"/> and <see cref="InputGradientGroup"/>) where they apply.
    /// </summary>
    readonly struct Examples(Conv2d<T> layer, int kind, T* p, int parameters, T* u, T* input, T* output, T* scratch, int batch, int threads) : IWorkerBody
    {
        public void Run(int worker)
        {
            int rows = layer.Rows, columns = layer.Cols, inSize = layer.InputSize, outSize = layer.OutputSize;
            var w = new ReadOnlySpan<T>(p, parameters);
            var transformed = new ReadOnlySpan<T>(u, u == null ? 0 : 16 * layer.In * layer.Out);
            // Input gradients and Winograd passes always go by groups (of one when an example has GroupColumns columns);
            // other forward passes when the geometry can unfold a group and it holds more than one example.
            int group = kind == 1 || layer.geometry.Polyphase ? layer.GroupSize(batch, threads) : 1;
            if (kind == 1 || group > 1 || u != null)
            {
                for (int first = worker * group; first < batch; first += threads * group)
                {
                    int count = Math.Min(group, batch - first);
                    if (kind == 0)
                        layer.ForwardGroup(w, transformed, new ReadOnlySpan<T>(input + (long)first * inSize, count * inSize), new Span<T>(output + (long)first * outSize, count * outSize), count);
                    else
                        layer.InputGradientGroup(w, transformed, new ReadOnlySpan<T>(input + (long)first * outSize, count * outSize), new Span<T>(output + (long)first * inSize, count * inSize), count);
                }
                return;
            }
            int stride = Padded(columns);
            var cols = new Span<T>(scratch + (long)worker * rows * stride, rows * stride);
            for (int b = worker; b < batch; b += threads)
                layer.ForwardOne(w, new ReadOnlySpan<T>(input + (long)b * inSize, inSize), new Span<T>(output + (long)b * outSize, outSize), cols);
        }
    }

    void ForwardOne(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, Span<T> cols)
    {
        int stride = Padded(Cols);
        geometry.Unfold(x, cols, stride);
        Gemm.Multiply(false, false, Out, Cols, Rows, W(p), Rows, cols, stride, y, Cols, false);
        AddBias(p, y);
    }

    /// <summary>Columns per product that a group of examples makes up to: a small output's per-row costs then count for little.</summary>
    const int GroupColumns = 1024;

    /// <summary>Examples per group: up to GroupColumns columns, no more than each worker's share.</summary>
    int GroupSize(int batch, int threads) => Math.Clamp(GroupColumns / Cols, 1, Math.Max(1, (batch + threads - 1) / threads));

    /// <summary>
    /// The forward pass of count examples by one product: their columns side by side, W times them, then each
    /// example's block of the product into its output. Every output sees the same k order as alone, so the same bits.
    /// </summary>
    void ForwardGroup(ReadOnlySpan<T> p, ReadOnlySpan<T> u, ReadOnlySpan<T> x, Span<T> y, int count)
    {
        if (!u.IsEmpty)
        {
            winograd!.Value.Convolve(u, Out, In, x, y, count, Bias ? p.Slice(Out * Rows, Out) : []);
            return;
        }
        int n = count * Cols, stride = Padded(n);
        var cols = ThreadBuffers<T>.Columns(Rows * stride);
        var product = ThreadBuffers<T>.Products(Out * n);
        geometry.UnfoldGroup(x, count, cols, stride);
        Gemm.Multiply(false, false, Out, n, Rows, W(p), Rows, cols, stride, product, n, false);
        for (int g = 0; g < count; g++)
        {
            var yg = y.Slice(g * OutputSize, OutputSize);
            for (int o = 0; o < Out; o++) product.Slice(o * n + g * Cols, Cols).CopyTo(yg.Slice(o * Cols, Cols));
            AddBias(p, yg);
        }
    }

    /// <summary>[Out, count * Cols] = the group's dY side by side (example g's in columns g * Cols on): one example's as it is, else in a thread's buffer.</summary>
    ReadOnlySpan<T> SideBySide(ReadOnlySpan<T> dy, int count)
    {
        if (count == 1) return dy;
        var rows = ThreadBuffers<T>.Products(Out * count * Cols);
        SideBySide(dy, count, rows);
        return rows;
    }

    void SideBySide(ReadOnlySpan<T> dy, int count, Span<T> rows)
    {
        int n = count * Cols;
        for (int g = 0; g < count; g++)
            for (int o = 0; o < Out; o++) dy.Slice(g * OutputSize + o * Cols, Cols).CopyTo(rows.Slice(o * n + g * Cols, Cols));
    }

    /// <summary>
    /// dx = fold(W^T dy) for a group: one product over the group's dY side by side (W^T packed once, not per example),
    /// then each example's block folded. Every column sums over the Out channels alone, so the bits are one example's.
    /// </summary>
    void InputGradientGroup(ReadOnlySpan<T> p, ReadOnlySpan<T> u, ReadOnlySpan<T> dy, Span<T> dx, int count)
    {
        if (!u.IsEmpty)
        {
            winograd!.Value.Convolve(u, In, Out, dy, dx, count, []);
            return;
        }
        int n = count * Cols, stride = Padded(n);
        var dcols = ThreadBuffers<T>.Columns(Rows * stride);
        Gemm.Multiply(true, false, Rows, n, Out, W(p), Rows, SideBySide(dy, count), n, dcols, stride, false);
        for (int g = 0; g < count; g++) geometry.Fold<T>(dcols[(g * Cols)..], stride, dx.Slice(g * InputSize, InputSize));
    }

    void PerExample(int kind, ReadOnlySpan<T> p, ReadOnlySpan<T> input, Span<T> output, int batch, Span<T> scratch)
    {
        int threads = Math.Min(Math.Min(Team, Executor.Budget), batch);
        var u = winograd is null ? [] : WinogradWeights<T>.Of(this, kind == 1 ? AdjointSlot : ForwardSlot, W(p), [], Out, In, kind == 1);
        fixed (T* pp = p, pi = input, po = output, ps = scratch, pu = u)
        {
            var body = new Examples(this, kind, pp, p.Length, pu, pi, po, ps, batch, threads);
            if (threads == 1) body.Run(0);
            else Executor.Run(threads, body);
        }
    }

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch) =>
        PerExample(0, p, x, y, batch, scratch);

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        if (!dx.IsEmpty) PerExample(1, p, dy, dx, batch, scratch);
        if (gp.IsEmpty) return;
        int threads = Math.Min(Team, Executor.Budget);
        if (WeightGradientTransposed)
        {
            var gT = ThreadBuffers<T>.Products(Rows * Out);
            var dyT = ThreadBuffers<T>.Transposed(batch * OutputSize);
            fixed (T* px = x, pdy = dy, pg = gT, pt = dyT)
            {
                var transposes = new TransposedDeltas(this, pdy, pt, batch, threads);
                if (threads == 1) transposes.Run(0);
                else Executor.Run(threads, transposes);
                threads = Math.Min(threads, In);
                var body = new WeightGradientRows(this, px, pt, pg, batch, threads);
                if (threads == 1) body.Run(0);
                else Executor.Run(threads, body);
            }
            Untranspose(gT, gp);
            for (int b = 0; b < batch; b++) SumBias(dy.Slice(b * OutputSize, OutputSize), gp, b == 0);
            return;
        }
        int stride = Padded(Cols);
        var cols = scratch[..(Rows * stride)];
        for (int b = 0; b < batch; b++)
        {
            var dyb = dy.Slice(b * OutputSize, OutputSize);
            geometry.Unfold(x.Slice(b * InputSize, InputSize), cols, stride);
            AddWeightGradient(dyb, cols, stride, gp, [], b > 0, threads);
            SumBias(dyb, gp, b == 0);
        }
    }

    /// <summary>Each example's dY^T [Cols, Out], made once for every worker of <see cref="WeightGradientRows"/> (each would otherwise pack it).</summary>
    readonly struct TransposedDeltas(Conv2d<T> layer, T* dy, T* dyT, int batch, int threads) : IWorkerBody
    {
        public void Run(int worker)
        {
            for (int b = worker; b < batch; b += threads)
                Transpose.Matrix(dy + (long)b * layer.OutputSize, layer.Out, layer.Cols, layer.Cols, dyT + (long)b * layer.OutputSize, layer.Out);
        }
    }

    /// <summary>
    /// Worker t's input channels [In t / threads, In (t + 1) / threads) of gw^T = sum over examples of X dY^T: their rows,
    /// summed over the examples in order, each example unfolded for those channels alone. Each row is the product it is
    /// in the whole, so no bit depends on the split, and the workers meet once a pass instead of once an example.
    /// </summary>
    readonly struct WeightGradientRows(Conv2d<T> layer, T* x, T* dyT, T* gT, int batch, int threads) : IWorkerBody
    {
        public void Run(int worker)
        {
            int c0 = layer.In * worker / threads, c1 = layer.In * (worker + 1) / threads;
            if (c0 == c1) return;
            var whole = layer.geometry;
            var part = new Im2Col(c1 - c0, whole.Height, whole.Width, whole.Kernel, whole.Stride, whole.Padding);
            int rows = part.Rows, columns = layer.Cols, plane = whole.Height * whole.Width, stride = Padded(columns);
            var cols = ThreadBuffers<T>.Columns(rows * stride);
            var g = new Span<T>(gT + (long)c0 * whole.Kernel * whole.Kernel * layer.Out, rows * layer.Out);
            for (int b = 0; b < batch; b++)
            {
                part.Unfold(new ReadOnlySpan<T>(x + (long)b * layer.InputSize + (long)c0 * plane, (c1 - c0) * plane), cols, stride);
                Gemm.Multiply(false, false, rows, layer.Out, columns, cols, stride, new ReadOnlySpan<T>(dyT + (long)b * layer.OutputSize, layer.OutputSize),
                    layer.Out, g, layer.Out, b > 0);
            }
        }
    }

    /// <summary>
    /// Whether the weight gradient is summed transposed, gw^T = X dY^T, which transposes dY (Out rows) where gw = dY X^T
    /// packs the columns transposed (Rows rows, per example): the same FMA chains, so the same bits, unless either shape
    /// would sum some columns as dot products (<see cref="Gemm.HasDotTail{T}"/>).
    /// </summary>
    bool WeightGradientTransposed => !Gemm.HasDotTail<T>(false, true, Rows, Cols) && !Gemm.HasDotTail<T>(false, true, Out, Cols);

    /// <summary>
    /// g (+)= dY X^T of one example, into g, or transposed into gT when that is not empty (X times dY^T, transposed in a
    /// thread's buffer first); the product split over the team by columns, so every weight still sums the examples in order.
    /// </summary>
    void AddWeightGradient(ReadOnlySpan<T> dy, ReadOnlySpan<T> cols, int stride, Span<T> g, Span<T> gT, bool accumulate, int threads)
    {
        if (gT.IsEmpty)
        {
            Gemm.Multiply(false, true, Out, Rows, Cols, dy, Cols, cols, stride, g, Rows, accumulate, threads);
            return;
        }
        var dyT = ThreadBuffers<T>.Transposed(OutputSize);
        fixed (T* from = dy, to = dyT) Transpose.Matrix(from, Out, Cols, Cols, to, Out);
        Gemm.Multiply(false, false, Rows, Out, Cols, cols, stride, dyT, Out, gT, Out, accumulate, threads);
    }

    /// <summary>The weights' part of g = gT^T.</summary>
    void Untranspose(ReadOnlySpan<T> gT, Span<T> g)
    {
        for (int o = 0; o < Out; o++)
            for (int r = 0; r < Rows; r++) g[o * Rows + r] = gT[r * Out + o];
    }

    /// <summary>
    /// y = the Winograd convolution of first's k channels and second's (when there is one) stacked, by u (outs rows of
    /// the stacked channels), a group of examples at a time: an R-pass's sum of two convolutions as one product a group.
    /// </summary>
    void ConvolveInGroups(ReadOnlySpan<T> u, int outs, ReadOnlySpan<T> first, ReadOnlySpan<T> second, int k, int inSize, Span<T> y, int outSize,
        int batch, ReadOnlySpan<T> bias)
    {
        var fast = winograd!.Value;
        for (int b = 0, group = GroupSize(batch, 1); b < batch; b += group)
        {
            int count = Math.Min(group, batch - b);
            fast.Convolve(u, outs, first.Slice(b * inSize, count * inSize), k, second.IsEmpty ? [] : second.Slice(b * inSize, count * inSize),
                second.IsEmpty ? 0 : k, y.Slice(b * outSize, count * outSize), count, bias);
        }
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        if (winograd is not null)
        {
            // ry = V x + W rx (+ the direction's bias).
            var u = WinogradWeights<T>.Of(this, rx.IsEmpty ? DirectionSlot : RForwardSlot, W(vp), rx.IsEmpty ? [] : W(p), Out, In, false);
            ConvolveInGroups(u, Out, x, rx, In, InputSize, ry, OutputSize, batch, Bias ? vp.Slice(Out * Rows, Out) : []);
            return;
        }
        int stride = Padded(Cols);
        var cols = scratch[..(Rows * stride)];
        for (int b = 0; b < batch; b++)
        {
            var ryb = ry.Slice(b * OutputSize, OutputSize);
            geometry.Unfold(x.Slice(b * InputSize, InputSize), cols, stride);
            Gemm.Multiply(false, false, Out, Cols, Rows, W(vp), Rows, cols, stride, ryb, Cols, false);
            if (!rx.IsEmpty)
            {
                geometry.Unfold(rx.Slice(b * InputSize, InputSize), cols, stride);
                Gemm.Multiply(false, false, Out, Cols, Rows, W(p), Rows, cols, stride, ryb, Cols, true);
            }
            AddBias(vp, ryb);
        }
    }

    /// <summary>The convolution is bilinear in (x, W): r2y = conv(r2x, W) + 2 conv(rx, V).</summary>
    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        if (rx.IsEmpty && r2x.IsEmpty) return false;
        int stride = Padded(Cols);
        var cols = scratch[..(Rows * stride)];
        for (int b = 0; b < batch; b++)
        {
            var r = r2y.Slice(b * OutputSize, OutputSize);
            if (!rx.IsEmpty)
            {
                geometry.Unfold(rx.Slice(b * InputSize, InputSize), cols, stride);
                Gemm.Multiply(false, false, Out, Cols, Rows, W(vp), Rows, cols, stride, r, Cols, false);
                System.Numerics.Tensors.TensorPrimitives.Add(r, r, r);
            }
            if (r2x.IsEmpty) continue;
            geometry.Unfold(r2x.Slice(b * InputSize, InputSize), cols, stride);
            Gemm.Multiply(false, false, Out, Cols, Rows, W(p), Rows, cols, stride, r, Cols, !rx.IsEmpty);
        }
        return true;
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        int stride = Padded(Cols);
        var cols = scratch[..(Rows * stride)];
        if (!rdx.IsEmpty && winograd is not null)
        {
            // rdx = W^T rdy + V^T dy.
            var u = WinogradWeights<T>.Of(this, RAdjointSlot, W(p), W(vp), Out, In, true);
            ConvolveInGroups(u, In, rdy, dy, Out, OutputSize, rdx, InputSize, batch, []);
        }
        else if (!rdx.IsEmpty)
        {
            // rdx = fold([W; V]^T [rdy; dy]): one product over the weights and the direction stacked (k = 2 Out) and a group
            // of examples (see InputGradientGroup), so the column matrix is written once, not written and read back.
            int group = GroupSize(batch, 1);
            var stacked = ThreadBuffers<T>.Stacked(2 * Out * Rows);
            W(p).CopyTo(stacked);
            W(vp).CopyTo(stacked[(Out * Rows)..]);
            for (int b = 0; b < batch; b += group)
            {
                int count = Math.Min(group, batch - b), n = count * Cols, groupStride = Padded(n);
                var groupCols = ThreadBuffers<T>.Columns(Rows * groupStride);
                var deltas = ThreadBuffers<T>.Products(2 * Out * n);
                SideBySide(rdy.Slice(b * OutputSize, count * OutputSize), count, deltas);
                SideBySide(dy.Slice(b * OutputSize, count * OutputSize), count, deltas[(Out * n)..]);
                Gemm.Multiply(true, false, Rows, n, 2 * Out, stacked, Rows, deltas, n, groupCols, groupStride, false);
                for (int g = 0; g < count; g++) geometry.Fold<T>(groupCols[(g * Cols)..], groupStride, rdx.Slice((b + g) * InputSize, InputSize));
            }
        }
        var hT = WeightGradientTransposed ? ThreadBuffers<T>.Products(Rows * Out) : [];
        for (int b = 0; b < batch; b++)
        {
            var dyb = dy.Slice(b * OutputSize, OutputSize);
            var rdyb = rdy.Slice(b * OutputSize, OutputSize);
            geometry.Unfold(x.Slice(b * InputSize, InputSize), cols, stride);
            AddWeightGradient(rdyb, cols, stride, hp, hT, b > 0, 1);
            if (!rx.IsEmpty)
            {
                geometry.Unfold(rx.Slice(b * InputSize, InputSize), cols, stride);
                AddWeightGradient(dyb, cols, stride, hp, hT, true, 1);
            }
            SumBias(rdyb, hp, b == 0);
        }
        if (!hT.IsEmpty) Untranspose(hT, hp);
    }
}
