using System.Numerics;
using System.Numerics.Tensors;
using Basin.Tensors;

namespace Basin.Engine.Layers;

/// <summary>
/// y = f(x) elementwise. Backward dx = f'(x) dy; R-forward ry = f'(x) rx;
/// R-backward rdx = f''(x) rx dy + f'(x) rdy; second-order forward r2y = f'(x) r2x + f''(x) rx^2.
/// </summary>
internal sealed class Activation<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly IActivation<T> f;

    public Activation(int[] inputShape, IActivation<T> f) : base(inputShape) => this.f = f;

    public IActivation<T> Function => f;

    public override string Describe() => f.Name;
    public override int ScratchSize(int batch) => f.IsPiecewiseLinear ? 0 : batch * InputSize;

    public override unsafe void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch)
    {
        int n = batch * InputSize;
        fixed (T* px = x[..n], py = y[..n]) Elementwise.Run(n, new Values(f, px, py));
    }

    public override unsafe void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        if (dx.IsEmpty) return;
        int n = batch * InputSize;
        fixed (T* px = x[..n], pdy = dy[..n], pdx = dx[..n]) Elementwise.Run(n, new Deltas(f, px, pdy, pdx));
    }

    /// <summary>y = f(x) on a chunk.</summary>
    readonly unsafe struct Values(IActivation<T> f, T* x, T* y) : IChunkBody
    {
        public void Run(int from, int length) => f.Value(new ReadOnlySpan<T>(x + from, length), new Span<T>(y + from, length));
    }

    /// <summary>dx = f'(x) dy on a chunk.</summary>
    readonly unsafe struct Deltas(IActivation<T> f, T* x, T* dy, T* dx) : IChunkBody
    {
        public void Run(int from, int length)
        {
            var d = new Span<T>(dx + from, length);
            f.FirstDerivative(new ReadOnlySpan<T>(x + from, length), d);
            TensorPrimitives.Multiply(d, new ReadOnlySpan<T>(dy + from, length), d);
        }
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        int n = batch * InputSize;
        if (rx.IsEmpty) { ry[..n].Clear(); return; }
        f.FirstDerivative(x[..n], ry[..n]);
        TensorPrimitives.Multiply(ry[..n], rx[..n], ry[..n]);
    }

    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        bool curved = !f.IsPiecewiseLinear && !rx.IsEmpty;
        if (r2x.IsEmpty && !curved) return false;
        int n = batch * InputSize;
        var r = r2y[..n];
        if (r2x.IsEmpty) r.Clear();
        else
        {
            f.FirstDerivative(x[..n], r);
            TensorPrimitives.Multiply(r, r2x[..n], r);
        }
        if (!curved) return true;
        var d2 = scratch[..n];
        f.SecondDerivative(x[..n], d2);
        TensorPrimitives.Multiply(d2, rx[..n], d2);
        TensorPrimitives.FusedMultiplyAdd(d2, rx[..n], r, r);
        return true;
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        if (rdx.IsEmpty) return;
        int n = batch * InputSize;
        var r = rdx[..n];
        f.FirstDerivative(x[..n], r);
        TensorPrimitives.Multiply(r, rdy[..n], r);
        if (f.IsPiecewiseLinear || rx.IsEmpty) return;
        var d2 = scratch[..n];
        f.SecondDerivative(x[..n], d2);
        TensorPrimitives.Multiply(d2, rx[..n], d2);
        TensorPrimitives.FusedMultiplyAdd(d2, dy[..n], r, r);
    }
}
