using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>Geometry shared by the pooling layers: k x k windows with a stride, no padding, floor mode.</summary>
internal abstract class Pool2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected readonly int C, H, W, K, S, OH, OW;

    protected Pool2d(int[] inputShape, int kernel, int stride) : base(inputShape)
    {
        C = inputShape[0]; H = inputShape[1]; W = inputShape[2]; K = kernel; S = stride;
        OH = (H - K) / S + 1;
        OW = (W - K) / S + 1;
        OutputShape = [C, OH, OW];
    }

    /// <summary>Pooling is linear in x (max pooling with the arg-max of x fixed), so r2y = J_x r2x.</summary>
    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        if (r2x.IsEmpty) return false;
        ForwardR(p, vp, x, r2x, r2y, batch, scratch);
        return true;
    }

    protected string Args => S == K ? $"{K}" : $"{K},stride={S}";
}
