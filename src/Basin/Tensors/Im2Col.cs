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
        bool same = Stride == 1 && OutHeight == Height && OutWidth == Width;
        for (int c = 0; c < Channels; c++)
        for (int ki = 0; ki < Kernel; ki++)
        for (int kj = 0; kj < Kernel; kj++, row++)
        {
            var dst = cols.Slice(row * Columns, Columns);
            if (same)
            {
                ShiftedPlane(image.Slice(c * Height * Width, Height * Width), dst, ki - Padding, kj - Padding);
                continue;
            }
            for (int oh = 0; oh < OutHeight; oh++)
            {
                int ih = oh * Stride - Padding + ki;
                var d = dst.Slice(oh * OutWidth, OutWidth);
                if ((uint)ih >= (uint)Height) { d.Clear(); continue; }
                var src = image.Slice((c * Height + ih) * Width, Width);
                if (Stride == 1)
                {
                    // Output columns [lo, hi) read the input row from lo - Padding + kj on: one copy, zeros around.
                    int lo = Math.Clamp(Padding - kj, 0, OutWidth), hi = Math.Clamp(Width + Padding - kj, lo, OutWidth);
                    d[..lo].Clear();
                    src.Slice(lo - Padding + kj, hi - lo).CopyTo(d[lo..hi]);
                    d[hi..].Clear();
                    continue;
                }
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    int iw = ow * Stride - Padding + kj;
                    d[ow] = (uint)iw < (uint)Width ? src[iw] : T.Zero;
                }
            }
        }
    }

    /// <summary>
    /// A "same" convolution's column row is the input plane shifted by (di, dj) with zeros where the shift leaves
    /// the plane: one block copy, then the rows and the column that fell outside are cleared.
    /// </summary>
    void ShiftedPlane<T>(ReadOnlySpan<T> plane, Span<T> dst, int di, int dj) where T : unmanaged, INumberBase<T>
    {
        int shift = di * Width + dj;
        int t0 = Math.Max(0, -di) * Width, t1 = Math.Min(Height, Height - di) * Width;
        int a = Math.Max(t0, -shift), b = Math.Min(t1, plane.Length - shift);
        dst[..a].Clear();
        if (b > a) plane.Slice(a + shift, b - a).CopyTo(dst[a..b]);
        dst[Math.Max(a, b)..].Clear();
        if (dj == 0) return;
        // Columns that wrapped into the neighbouring row.
        int lo = dj < 0 ? 0 : Width - dj, hi = dj < 0 ? -dj : Width;
        for (int r = t0 / Width; r < t1 / Width; r++) dst.Slice(r * Width + lo, hi - lo).Clear();
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
