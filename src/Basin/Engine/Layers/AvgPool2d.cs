using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>Mean over each window: a fixed linear map, so its R-passes are its plain passes.</summary>
internal sealed class AvgPool2d<T>(int[] inputShape, int kernel, int stride) : Pool2d<T>(inputShape, kernel, stride)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Describe() => $"avgpool2d({Args})";

    void Average(ReadOnlySpan<T> x, Span<T> y, int batch)
    {
        T scale = T.One / T.CreateChecked(K * K);
        for (int b = 0; b < batch; b++)
        {
            var img = x.Slice(b * InputSize, InputSize);
            var o = y.Slice(b * OutputSize, OutputSize);
            int q = 0;
            for (int c = 0; c < C; c++)
            for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
            {
                T sum = T.Zero;
                for (int i = 0; i < K; i++)
                for (int j = 0; j < K; j++)
                    sum += img[(c * H + oh * S + i) * W + ow * S + j];
                o[q++] = sum * scale;
            }
        }
    }

    void Spread(ReadOnlySpan<T> dy, Span<T> dx, int batch)
    {
        T scale = T.One / T.CreateChecked(K * K);
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
                T v = g[q++] * scale;
                for (int i = 0; i < K; i++)
                for (int j = 0; j < K; j++)
                    d[(c * H + oh * S + i) * W + ow * S + j] += v;
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
