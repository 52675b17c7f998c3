using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>
/// Geometry shared by the pooling layers: kh x kw windows with a stride and no padding. Floor mode drops a last window
/// that does not fit; ceil mode (PyTorch's ceil_mode) keeps it, clipped to the input, as long as it starts inside.
/// </summary>
internal abstract class Pool2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected readonly int C, H, W, KH, KW, S, OH, OW;
    protected bool Ceil { get; }

    /// <summary>The input's channels, height and width, the window, the stride and the output's height and width (other engines' kernels read them).</summary>
    internal (int C, int H, int W, int KH, int KW, int S, int OH, int OW, bool Ceil) Geometry => (C, H, W, KH, KW, S, OH, OW, Ceil);

    protected Pool2d(int[] inputShape, int kernelHeight, int kernelWidth, int stride, bool ceil) : base(inputShape)
    {
        C = inputShape[0]; H = inputShape[1]; W = inputShape[2]; KH = kernelHeight; KW = kernelWidth; S = stride; Ceil = ceil;
        OH = Outputs(H, KH);
        OW = Outputs(W, KW);
        OutputShape = [C, OH, OW];
    }

    int Outputs(int size, int kernel)
    {
        if (!Ceil) return (size - kernel) / S + 1;
        int n = (size - kernel + S - 1) / S + 1;
        return (n - 1) * S >= size ? n - 1 : n;
    }

    /// <summary>The rows [h0, h1) and columns [w0, w1) of output cell (oh, ow)'s window, clipped to the input.</summary>
    protected (int H0, int H1, int W0, int W1) Window(int oh, int ow) =>
        (oh * S, Math.Min(oh * S + KH, H), ow * S, Math.Min(ow * S + KW, W));

    /// <summary>Pooling is linear in x (max pooling with the arg-max of x fixed), so r2y = J_x r2x.</summary>
    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        if (r2x.IsEmpty) return false;
        ForwardR(p, vp, x, r2x, r2y, batch, scratch);
        return true;
    }

    protected string Args => (S == KH ? $"{KH}" : $"{KH},stride={S}") + (Ceil ? ",ceil_mode=true" : "");
}
