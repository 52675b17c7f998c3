using Basin.Tensors;
using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Engine.Layers;

/// <summary>
/// A residual block (He et al. 2016): y = after(main(x) + shortcut(x)), the shortcut the identity when it has no layers,
/// as loss-landscape's BasicBlock is relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). Every pass is the sum rule
/// over the two branches: the branches' inputs are the same x, so their input gradients add. Tensor names are the main
/// branch's and <c>after</c>'s under the block, the shortcut's under <c>shortcut</c>; theta holds main, shortcut, after.
/// </summary>
internal sealed class Residual<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Sequential<T> main, shortcut, after;
    readonly Sequential<T>[] branches;
    readonly bool identity;

    public Residual(int[] inputShape, Sequential<T> main, Sequential<T> shortcut, Sequential<T> after) : base(inputShape)
    {
        this.main = main; this.shortcut = shortcut; this.after = after;
        shortcut.Name = "shortcut";
        branches = [main, shortcut, after];
        identity = shortcut.Children.Count == 0;
        OutputShape = after.OutputShape;
    }

    /// <summary>The main branch, the shortcut (no layers: the identity) and what follows their sum (other engines walk them).</summary>
    internal (Sequential<T> Main, Sequential<T> Shortcut, Sequential<T> After) Branches => (main, shortcut, after);

    public override IReadOnlyList<TensorSpec> Parameters =>
        [.. main.Parameters, .. shortcut.Parameters.Select(p => p.Under("shortcut")), .. after.Parameters];

    public override IReadOnlyList<BufferSpec> Buffers =>
        [.. main.Buffers, .. shortcut.Buffers.Select(b => b.Under("shortcut")), .. after.Buffers];

    public override void Bind(ModelBuffers buffers, int valueOffset, int countOffset) => BindEach(branches, buffers, valueOffset, countOffset);

    public override bool LinearInParameters => false;
    public override double ForwardFlops => branches.Sum(b => b.ForwardFlops);

    public override string Describe()
    {
        int k = main.Children.Count;
        string body = string.Join(",", main.Children.Select(Named));
        if (!identity) body += ",shortcut=" + shortcut.Describe();
        if (HasAfter) body += ",after=[" + string.Join(",", after.Children.Select((c, i) => Named(c, k + i))) + "]";
        return $"residual({body})";
    }

    int M => main.OutputSize;
    bool HasAfter => after.Children.Count > 0;

    // State: each branch's own state and scratch, then per element of the block's sum u: the main output (m, R{m},
    // R2{m}), the shortcut's (s, R{s}, R2{s}), u itself (u, R{u}, delta, R{delta}) and one input-sized buffer for the
    // shortcut's input gradient.
    int BranchSize(Sequential<T> b, int batch) => b.StateSize(batch) + b.ScratchSize(batch);

    public override int StateSize(int batch)
    {
        int n = 0;
        foreach (var b in branches) n += BranchSize(b, batch);
        return n + 10 * batch * M + batch * InputSize;
    }

    Span<T> Region(Span<T> scratch, int which, int batch)
    {
        int at = 0;
        for (int k = 0; k < which; k++) at += BranchSize(branches[k], batch);
        return scratch.Slice(at, BranchSize(branches[which], batch));
    }

    /// <summary>Buffer k of the block's own ten (m, rm, r2m, s, rs, r2s, u, ru, du, rdu), or 10 for the input-sized one.</summary>
    Span<T> Buffer(Span<T> scratch, int k, int batch)
    {
        int at = 0;
        foreach (var b in branches) at += BranchSize(b, batch);
        int size = batch * M;
        return k < 10 ? scratch.Slice(at + k * size, size) : scratch.Slice(at + 10 * size, batch * InputSize);
    }

    int Start(int which)
    {
        int at = 0;
        for (int k = 0; k < which; k++) at += branches[k].ParameterCount;
        return at;
    }

    ReadOnlySpan<T> P(ReadOnlySpan<T> p, int which) => p.Slice(Start(which), branches[which].ParameterCount);
    Span<T> P(Span<T> p, int which) => p.IsEmpty ? p : p.Slice(Start(which), branches[which].ParameterCount);

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch)
    {
        var m = Buffer(scratch, 0, batch);
        main.Forward(P(p, 0), x, m, batch, Region(scratch, 0, batch));
        ReadOnlySpan<T> s = x[..(batch * InputSize)];
        if (!identity)
        {
            shortcut.Forward(P(p, 1), x, Buffer(scratch, 3, batch), batch, Region(scratch, 1, batch));
            s = Buffer(scratch, 3, batch);
        }
        var u = HasAfter ? Buffer(scratch, 6, batch) : y[..(batch * M)];
        Elementwise.Add(m, s, u);
        if (HasAfter) after.Forward(P(p, 2), u, y, batch, Region(scratch, 2, batch));
    }

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        ReadOnlySpan<T> du = dy;
        if (HasAfter)
        {
            after.Backward(P(p, 2), Buffer(scratch, 6, batch), dy, Buffer(scratch, 8, batch), P(gp, 2), batch, Region(scratch, 2, batch));
            du = Buffer(scratch, 8, batch);
        }
        main.Backward(P(p, 0), x, du, dx, P(gp, 0), batch, Region(scratch, 0, batch));
        if (identity)
        {
            if (!dx.IsEmpty) Elementwise.Add(dx[..(batch * InputSize)], du, dx[..(batch * InputSize)]);
            return;
        }
        var dxs = dx.IsEmpty ? Span<T>.Empty : Buffer(scratch, 10, batch);
        shortcut.Backward(P(p, 1), x, du, dxs, P(gp, 1), batch, Region(scratch, 1, batch));
        if (!dx.IsEmpty) Elementwise.Add(dx[..(batch * InputSize)], dxs, dx[..(batch * InputSize)]);
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        var rm = Buffer(scratch, 1, batch);
        main.ForwardR(P(p, 0), P(vp, 0), x, rx, rm, batch, Region(scratch, 0, batch));
        var ru = HasAfter ? Buffer(scratch, 7, batch) : ry[..(batch * M)];
        if (!identity)
        {
            var rs = Buffer(scratch, 4, batch);
            shortcut.ForwardR(P(p, 1), P(vp, 1), x, rx, rs, batch, Region(scratch, 1, batch));
            TensorPrimitives.Add(rm, rs, ru);
        }
        else if (rx.IsEmpty) rm.CopyTo(ru);
        else TensorPrimitives.Add(rm, rx[..(batch * InputSize)], ru);
        if (HasAfter) after.ForwardR(P(p, 2), P(vp, 2), Buffer(scratch, 6, batch), ru, ry, batch, Region(scratch, 2, batch));
    }

    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        var r2m = Buffer(scratch, 2, batch);
        bool fromMain = main.ForwardR2(P(p, 0), P(vp, 0), x, rx, r2x, r2m, batch, Region(scratch, 0, batch));
        ReadOnlySpan<T> r2s = r2x.IsEmpty ? default : r2x[..(batch * InputSize)];
        bool fromShortcut = !r2x.IsEmpty;
        if (!identity)
        {
            fromShortcut = shortcut.ForwardR2(P(p, 1), P(vp, 1), x, rx, r2x, Buffer(scratch, 5, batch), batch, Region(scratch, 1, batch));
            r2s = Buffer(scratch, 5, batch);
        }
        var r2u = HasAfter ? Buffer(scratch, 9, batch) : r2y[..(batch * M)];
        if (fromMain && fromShortcut) TensorPrimitives.Add(r2m, r2s, r2u);
        else if (fromMain) r2m.CopyTo(r2u);
        else if (fromShortcut) r2s.CopyTo(r2u);
        bool nonzero = fromMain || fromShortcut;
        if (!HasAfter) return nonzero;
        return after.ForwardR2(P(p, 2), P(vp, 2), Buffer(scratch, 6, batch), Buffer(scratch, 7, batch), nonzero ? r2u : default, r2y,
            batch, Region(scratch, 2, batch));
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch) =>
        BackwardAndR(p, vp, x, rx, dy, rdy, Span<T>.Empty, rdx, hp, batch, scratch);

    public override void BackwardAndR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> dx, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        ReadOnlySpan<T> du = dy, rdu = rdy;
        if (HasAfter)
        {
            after.BackwardAndR(P(p, 2), P(vp, 2), Buffer(scratch, 6, batch), Buffer(scratch, 7, batch), dy, rdy, Buffer(scratch, 8, batch),
                Buffer(scratch, 9, batch), P(hp, 2), batch, Region(scratch, 2, batch));
            du = Buffer(scratch, 8, batch);
            rdu = Buffer(scratch, 9, batch);
        }
        main.BackwardAndR(P(p, 0), P(vp, 0), x, rx, du, rdu, dx, rdx, P(hp, 0), batch, Region(scratch, 0, batch));
        if (identity)
        {
            if (!rdx.IsEmpty) TensorPrimitives.Add(rdx[..(batch * InputSize)], rdu, rdx);
            if (!dx.IsEmpty) TensorPrimitives.Add(dx[..(batch * InputSize)], du, dx);
            return;
        }
        // One input-sized buffer serves the shortcut's R{dx}, then its dx.
        var shortcutDx = Buffer(scratch, 10, batch);
        shortcut.BackwardR(P(p, 1), P(vp, 1), x, rx, du, rdu, rdx.IsEmpty ? Span<T>.Empty : shortcutDx, P(hp, 1), batch, Region(scratch, 1, batch));
        if (!rdx.IsEmpty) TensorPrimitives.Add(rdx[..(batch * InputSize)], shortcutDx, rdx);
        if (dx.IsEmpty) return;
        shortcut.Backward(P(p, 1), x, du, shortcutDx, Span<T>.Empty, batch, Region(scratch, 1, batch));
        TensorPrimitives.Add(dx[..(batch * InputSize)], shortcutDx, dx);
    }
}
