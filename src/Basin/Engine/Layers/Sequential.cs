using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>
/// A sequence of layers inside a container (a residual block's branches), as one layer: its inner activations, their
/// R, deltas and R-deltas live in its state, and a stateful child gets a private state-and-scratch region after them.
/// The last child writes straight into the output the caller gives. Tensor names are the children's, under their names.
/// </summary>
internal sealed class Sequential<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Layer<T>[] children;
    readonly int[] offsets;

    public Sequential(int[] inputShape, Layer<T>[] children) : base(inputShape)
    {
        this.children = children;
        OutputShape = children.Length == 0 ? inputShape : children[^1].OutputShape;
        offsets = new int[children.Length + 1];
        for (int i = 0; i < children.Length; i++) offsets[i + 1] = checked(offsets[i] + children[i].ParameterCount);
    }

    public IReadOnlyList<Layer<T>> Children => children;

    public override IReadOnlyList<TensorSpec> Parameters => [.. children.SelectMany(c => c.Parameters.Select(p => p.Under(c.Name)))];
    public override IReadOnlyList<BufferSpec> Buffers => [.. children.SelectMany(c => c.Buffers.Select(b => b.Under(c.Name)))];

    public override void Bind(ModelBuffers buffers, int valueOffset, int countOffset) => BindEach(children, buffers, valueOffset, countOffset);

    public override bool LinearInParameters => false;
    public override double ForwardFlops => children.Sum(c => c.ForwardFlops);

    public override string Describe() => "[" + string.Join(",", children.Select(Named)) + "]";

    /// <summary>Inner activations: out, R{out}, delta and R{delta} of every child but the last.</summary>
    int Activations(int batch)
    {
        int n = 0;
        for (int i = 0; i + 1 < children.Length; i++) n += 4 * batch * children[i].OutputSize;
        return n;
    }

    public override int StateSize(int batch)
    {
        int n = Activations(batch);
        foreach (var c in children)
            if (c.StateSize(batch) > 0) n += c.StateSize(batch) + c.ScratchSize(batch);
        return n;
    }

    public override int ScratchSize(int batch)
    {
        int n = 0;
        foreach (var c in children)
            if (c.StateSize(batch) == 0) n = Math.Max(n, c.ScratchSize(batch));
        return n;
    }

    /// <summary>Buffer k (0 out, 1 R{out}, 2 delta, 3 R{delta}) of child i &lt; last, in the state at the front of scratch.</summary>
    Span<T> Buffer(Span<T> scratch, int i, int k, int batch)
    {
        int at = 0;
        for (int j = 0; j < i; j++) at += 4 * batch * children[j].OutputSize;
        int size = batch * children[i].OutputSize;
        return scratch.Slice(at + k * size, size);
    }

    /// <summary>What child i gets as its scratch: its private region when it keeps state, else the shared scratch.</summary>
    Span<T> ScratchOf(Span<T> scratch, int i, int batch)
    {
        if (children[i].StateSize(batch) == 0) return scratch[StateSize(batch)..];
        int at = Activations(batch);
        for (int j = 0; j < i; j++)
            if (children[j].StateSize(batch) > 0) at += children[j].StateSize(batch) + children[j].ScratchSize(batch);
        return scratch.Slice(at, children[i].StateSize(batch) + children[i].ScratchSize(batch));
    }

    ReadOnlySpan<T> P(ReadOnlySpan<T> p, int i) => p[offsets[i]..offsets[i + 1]];
    Span<T> P(Span<T> p, int i) => p.IsEmpty ? p : p[offsets[i]..offsets[i + 1]];

    int Last => children.Length - 1;

    ReadOnlySpan<T> In(ReadOnlySpan<T> x, Span<T> scratch, int i, int batch) => i == 0 ? x : Buffer(scratch, i - 1, 0, batch);

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch)
    {
        if (children.Length == 0) { x[..(batch * InputSize)].CopyTo(y); return; }
        for (int i = 0; i < children.Length; i++)
            children[i].Forward(P(p, i), In(x, scratch, i, batch), i == Last ? y : Buffer(scratch, i, 0, batch), batch, ScratchOf(scratch, i, batch));
    }

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        if (children.Length == 0) { if (!dx.IsEmpty) dy[..(batch * InputSize)].CopyTo(dx); return; }
        for (int i = Last; i >= 0; i--)
            children[i].Backward(P(p, i), In(x, scratch, i, batch), i == Last ? dy : Buffer(scratch, i, 2, batch),
                i > 0 ? Buffer(scratch, i - 1, 2, batch) : dx, P(gp, i), batch, ScratchOf(scratch, i, batch));
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        if (children.Length == 0)
        {
            if (rx.IsEmpty) ry[..(batch * InputSize)].Clear();
            else rx[..(batch * InputSize)].CopyTo(ry);
            return;
        }
        for (int i = 0; i < children.Length; i++)
            children[i].ForwardR(P(p, i), P(vp, i), In(x, scratch, i, batch), i > 0 ? Buffer(scratch, i - 1, 1, batch) : rx,
                i == Last ? ry : Buffer(scratch, i, 1, batch), batch, ScratchOf(scratch, i, batch));
    }

    /// <summary>Second-order outputs share the R{delta} buffers, which that pass does not use (as in the network's workspace).</summary>
    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        if (children.Length == 0)
        {
            if (r2x.IsEmpty) return false;
            r2x[..(batch * InputSize)].CopyTo(r2y);
            return true;
        }
        bool nonzero = !r2x.IsEmpty;
        for (int i = 0; i < children.Length; i++)
            nonzero = children[i].ForwardR2(P(p, i), P(vp, i), In(x, scratch, i, batch), i > 0 ? Buffer(scratch, i - 1, 1, batch) : rx,
                !nonzero ? default : i > 0 ? Buffer(scratch, i - 1, 3, batch) : r2x,
                i == Last ? r2y : Buffer(scratch, i, 3, batch), batch, ScratchOf(scratch, i, batch));
        return nonzero;
    }

    /// <summary>R-backward child by child, each followed by its plain backward for the deltas the next one up needs.</summary>
    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch) =>
        BackwardAndR(p, vp, x, rx, dy, rdy, Span<T>.Empty, rdx, hp, batch, scratch);

    public override void BackwardAndR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> dx, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        if (children.Length == 0)
        {
            if (!rdx.IsEmpty) rdy[..(batch * InputSize)].CopyTo(rdx);
            if (!dx.IsEmpty) dy[..(batch * InputSize)].CopyTo(dx);
            return;
        }
        // Every child but the first passes its plain delta down, the first only when dx is asked for.
        for (int i = Last; i >= 0; i--)
            children[i].BackwardAndR(P(p, i), P(vp, i), In(x, scratch, i, batch), i > 0 ? Buffer(scratch, i - 1, 1, batch) : rx,
                i == Last ? dy : Buffer(scratch, i, 2, batch), i == Last ? rdy : Buffer(scratch, i, 3, batch),
                i > 0 ? Buffer(scratch, i - 1, 2, batch) : dx, i > 0 ? Buffer(scratch, i - 1, 3, batch) : rdx, P(hp, i), batch, ScratchOf(scratch, i, batch));
    }
}
