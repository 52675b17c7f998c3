using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>Max over each window; gradients flow to the first maximal element (NaN counts as maximal).</summary>
internal sealed class MaxPool2d<T>(int[] inputShape, int kernel, int stride, bool ceil = false) : Pool2d<T>(inputShape, kernel, kernel, stride, ceil)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Describe() => $"maxpool2d({Args})";

    /// <summary>Index within the image of the winning element of output cell (c, oh, ow).</summary>
    int ArgMax(ReadOnlySpan<T> image, int c, int oh, int ow)
    {
        var (h0, h1, w0, w1) = Window(oh, ow);
        int best = (c * H + h0) * W + w0;
        T max = image[best];
        if (T.IsNaN(max)) return best;
        for (int i = h0; i < h1; i++)
        for (int j = w0; j < w1; j++)
        {
            int idx = (c * H + i) * W + j;
            T v = image[idx];
            if (T.IsNaN(v)) return idx;
            if (v > max) { max = v; best = idx; }
        }
        return best;
    }

    void Gather(ReadOnlySpan<T> x, ReadOnlySpan<T> source, Span<T> y, int batch)
    {
        for (int b = 0; b < batch; b++)
        {
            var img = x.Slice(b * InputSize, InputSize);
            var src = source.Slice(b * InputSize, InputSize);
            var o = y.Slice(b * OutputSize, OutputSize);
            int q = 0;
            for (int c = 0; c < C; c++)
            for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
                o[q++] = src[ArgMax(img, c, oh, ow)];
        }
    }

    void Scatter(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch)
    {
        dx[..(batch * InputSize)].Clear();
        for (int b = 0; b < batch; b++)
        {
            var img = x.Slice(b * InputSize, InputSize);
            var g = dy.Slice(b * OutputSize, OutputSize);
            var d = dx.Slice(b * InputSize, InputSize);
            int q = 0;
            for (int c = 0; c < C; c++)
            for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
                d[ArgMax(img, c, oh, ow)] += g[q++];
        }
    }

    /// <summary>The window maxima directly (T.Max propagates NaN, as PyTorch does); gradients are routed by ArgMax.</summary>
    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch)
    {
        int q = 0;
        for (int b = 0; b < batch; b++)
        {
            var img = x.Slice(b * InputSize, InputSize);
            for (int c = 0; c < C; c++)
            for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
            {
                var (h0, h1, w0, w1) = Window(oh, ow);
                T max = img[(c * H + h0) * W + w0];
                for (int i = h0; i < h1; i++)
                for (int j = w0; j < w1; j++)
                    max = T.Max(max, img[(c * H + i) * W + j]);
                y[q++] = max;
            }
        }
    }

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        if (!dx.IsEmpty) Scatter(x, dy, dx, batch);
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        if (rx.IsEmpty) ry[..(batch * OutputSize)].Clear();
        else Gather(x, rx, ry, batch);
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        if (!rdx.IsEmpty) Scatter(x, rdy, rdx, batch);
    }
}
