using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>[C,H,W] -> [C*H*W]; memory order is unchanged, so every pass is a copy.</summary>
internal sealed class Flatten<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Flatten(int[] inputShape) : base(inputShape) => OutputShape = [Product(inputShape)];

    public override string Describe() => "flatten";

    static void Copy(ReadOnlySpan<T> from, Span<T> to, int n)
    {
        if (to.IsEmpty) return;
        if (from.IsEmpty) to[..n].Clear();
        else from[..n].CopyTo(to);
    }

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch) =>
        Copy(x, y, batch * InputSize);

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch) => Copy(dy, dx, batch * InputSize);

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch) => Copy(rx, ry, batch * InputSize);

    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        if (r2x.IsEmpty) return false;
        Copy(r2x, r2y, batch * InputSize);
        return true;
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch) =>
        Copy(rdy, rdx, batch * InputSize);
}
