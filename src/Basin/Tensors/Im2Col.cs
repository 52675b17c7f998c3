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
                // Output columns [lo, hi) read the input row from lo * Stride - Padding + kj on, zeros around: one copy at stride 1.
                var (lo, hi) = Inside(kj);
                d[..lo].Clear();
                if (Stride == 1) src.Slice(lo - Padding + kj, hi - lo).CopyTo(d[lo..hi]);
                else
                    for (int ow = lo, iw = lo * Stride - Padding + kj; ow < hi; ow++, iw += Stride) d[ow] = src[iw];
                d[hi..].Clear();
            }
        }
    }

    /// <summary>
    /// A "same" convolution's column row is the input plane shifted by (di, dj) with zeros where the shift leaves
    /// the plane: one block copy, then the rows and the column that fell outside are cleared.
    /// </summary>
    void ShiftedPlane<T>(ReadOnlySpan<T> plane, Span<T> dst, int di, int dj) where T : unmanaged, INumberBase<T>
    {
        int shift = di * Width + dj, n = plane.Length;
        int t0 = Math.Clamp(-di, 0, Height) * Width, t1 = Math.Clamp(Height - di, 0, Height) * Width;
        // A shift as large as the plane (a 3x3 kernel on a 1x1 image) leaves nothing to copy.
        int a = Math.Clamp(Math.Max(t0, -shift), 0, n), b = Math.Clamp(Math.Min(t1, n - shift), a, n);
        dst[..a].Clear();
        if (b > a) plane.Slice(a + shift, b - a).CopyTo(dst[a..b]);
        dst[b..].Clear();
        if (dj == 0) return;
        // Columns that wrapped into the neighbouring row.
        int lo = dj < 0 ? 0 : Math.Max(0, Width - dj), hi = dj < 0 ? Math.Min(Width, -dj) : Width;
        for (int r = t0 / Width; r < t1 / Width; r++) dst.Slice(r * Width + lo, hi - lo).Clear();
    }

    /// <summary>The output columns [lo, hi) whose input column ow * Stride - Padding + kj lies inside the image.</summary>
    (int Lo, int Hi) Inside(int kj)
    {
        int first = Padding - kj, last = Width - 1 + Padding - kj;
        int lo = Math.Clamp(first <= 0 ? 0 : (first + Stride - 1) / Stride, 0, OutWidth);
        int hi = Math.Clamp(last < 0 ? 0 : last / Stride + 1, lo, OutWidth);
        return (lo, hi);
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
                var (lo, hi) = Inside(kj);
                if (hi <= lo) continue;
                if (Stride == 1)
                {
                    // Element-wise adds in the same order as one at a time: the same bits, vectorized.
                    var d = dst.Slice(lo - Padding + kj, hi - lo);
                    System.Numerics.Tensors.TensorPrimitives.Add<T>(d, s[lo..hi], d);
                    continue;
                }
                for (int ow = lo, iw = lo * Stride - Padding + kj; ow < hi; ow++, iw += Stride) dst[iw] += s[ow];
            }
        }
    }
}
