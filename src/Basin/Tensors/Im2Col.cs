using System.Numerics;

namespace Basin.Tensors;

/// <summary>
/// Unfolds one [C,H,W] image into the [C*k*k, OH*OW] column matrix of a k x k convolution (rows ordered
/// c, ki, kj as PyTorch's weight [out,in,kh,kw]), and folds columns back by summation (the adjoint).
/// </summary>
internal readonly struct Im2Col
{
    public readonly int Channels, Height, Width, Kernel, Stride, Padding, OutHeight, OutWidth;

    public Im2Col(int channels, int height, int width, int kernel, int stride, int padding)
    {
        Channels = channels; Height = height; Width = width; Kernel = kernel; Stride = stride; Padding = padding;
        OutHeight = (height + 2 * padding - kernel) / stride + 1;
        OutWidth = (width + 2 * padding - kernel) / stride + 1;
    }

    public int Rows => Channels * Kernel * Kernel;
    public int Columns => OutHeight * OutWidth;

    public void Unfold<T>(ReadOnlySpan<T> image, Span<T> cols) where T : unmanaged, INumberBase<T>
    {
        int row = 0;
        for (int c = 0; c < Channels; c++)
        for (int ki = 0; ki < Kernel; ki++)
        for (int kj = 0; kj < Kernel; kj++, row++)
        {
            var dst = cols.Slice(row * Columns, Columns);
            for (int oh = 0; oh < OutHeight; oh++)
            {
                int ih = oh * Stride - Padding + ki;
                var d = dst.Slice(oh * OutWidth, OutWidth);
                if ((uint)ih >= (uint)Height) { d.Clear(); continue; }
                var src = image.Slice((c * Height + ih) * Width, Width);
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    int iw = ow * Stride - Padding + kj;
                    d[ow] = (uint)iw < (uint)Width ? src[iw] : T.Zero;
                }
            }
        }
    }

    /// <summary>image = fold(cols), overwriting image.</summary>
    public void Fold<T>(ReadOnlySpan<T> cols, Span<T> image) where T : unmanaged, INumberBase<T>
    {
        image.Clear();
        int row = 0;
        for (int c = 0; c < Channels; c++)
        for (int ki = 0; ki < Kernel; ki++)
        for (int kj = 0; kj < Kernel; kj++, row++)
        {
            var srcRow = cols.Slice(row * Columns, Columns);
            for (int oh = 0; oh < OutHeight; oh++)
            {
                int ih = oh * Stride - Padding + ki;
                if ((uint)ih >= (uint)Height) continue;
                var dst = image.Slice((c * Height + ih) * Width, Width);
                var s = srcRow.Slice(oh * OutWidth, OutWidth);
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    int iw = ow * Stride - Padding + kj;
                    if ((uint)iw < (uint)Width) dst[iw] += s[ow];
                }
            }
        }
    }
}
