using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>
/// Mean over each window (a ceil-mode window clipped at the border averages what it covers, as PyTorch's does without
/// padding), or over the whole image (global average pooling, [C,H,W] -> [C,1,1]): a fixed linear map, so its R-passes
/// are its plain passes.
/// </summary>
internal sealed class AvgPool2d<T> : Pool2d<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly bool global;

    public AvgPool2d(int[] inputShape, int kernel, int stride, bool ceil = false) : base(inputShape, kernel, kernel, stride, ceil) { }

    AvgPool2d(int[] inputShape) : base(inputShape, inputShape[1], inputShape[2], Math.Max(inputShape[1], inputShape[2]), false) => global = true;

    /// <summary>Global average pooling: one window the size of the image.</summary>
    public static AvgPool2d<T> Global(int[] inputShape) => new(inputShape);

    public override string Describe() => global ? "globalavgpool" : $"avgpool2d({Args})";

    void Average(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        for (int b = 0; b < batch; b++)
        {
            var img = x.Slice(b * InputSize, InputSize);
            var o = y.Slice(b * OutputSize, OutputSize);
            int q = 0;
            for (int c = 0; c < C; c++)
            for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
            {
                var (h0, h1, w0, w1) = Window(oh, ow);
                T sum = T.Zero;
                for (int i = h0; i < h1; i++)
                for (int j = w0; j < w1; j++)
                    sum += img[(c * H + i) * W + j];
                o[q++] = sum / T.CreateChecked((h1 - h0) * (w1 - w0));
            }
        }
    }

    void Spread(ReadOnlySpan<T> dy, Span<T> dx, int batch)
    {
        dx[..(batch * InputSize)].Clear();
        for (int b = 0; b < batch; b++)
        {
            var g = dy.Slice(b * OutputSize, OutputSize);
            var d = dx.Slice(b * InputSize, InputSize);
            int q = 0;
            for (int c = 0; c < C; c++)
            for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
            {
                var (h0, h1, w0, w1) = Window(oh, ow);
                T v = g[q++] / T.CreateChecked((h1 - h0) * (w1 - w0));
                for (int i = h0; i < h1; i++)
                for (int j = w0; j < w1; j++)
                    d[(c * H + i) * W + j] += v;
            }
        }
    }

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch) =>
        Average(x, y, batch);

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        if (!dx.IsEmpty) Spread(dy, dx, batch);
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        if (rx.IsEmpty) ry[..(batch * OutputSize)].Clear();
        else Average(rx, ry, batch);
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        if (!rdx.IsEmpty) Spread(rdy, rdx, batch);
    }
}
